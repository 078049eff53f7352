"""What a student tells their future teammates: languages, time zone, availability, interests."""

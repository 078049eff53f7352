"""Teams: who works together in an exchange; rooms, completion and reports hang from them."""

"""The story of test_browser_story.py in Dutch: no text left in English on any page.

A file of its own so that ``--dist loadfile`` runs it beside the English run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_story import tell_the_story
from tests.conftest import MakeDatabase

pytestmark = pytest.mark.browser


def test_the_story_from_first_launch_to_a_verified_credential_in_dutch(
    chromium: Any, tmp_path: Path, make_database: MakeDatabase
) -> None:
    tell_the_story(chromium, tmp_path, make_database, "nl")

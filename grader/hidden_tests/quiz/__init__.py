"""Hidden checks of the quiz: the answers are judged from the probe's artifacts only."""

NOTEBOOK_OUTPUTS = ()
JUDGED_FILES = ()

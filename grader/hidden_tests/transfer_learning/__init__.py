"""Hidden checks of the transfer-learning lab."""

# Files the notebook itself writes into its folder; all else student code leaves there is removed.
NOTEBOOK_OUTPUTS = ("flowers_before_fine_tuning.keras", "flowers_mobilenetv2.keras")
# Of those, what the judge reads (a copy of it, never the file in the student's folder).
JUDGED_FILES = ("flowers_mobilenetv2.keras",)

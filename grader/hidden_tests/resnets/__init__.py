"""Hidden checks of the ResNets lab."""

# Files the notebook itself writes into its folder; all else student code leaves there is removed.
NOTEBOOK_OUTPUTS = ("resnet50_signs.keras",)
# Of those, what the judge reads (a copy of it, never the file in the student's folder).
JUDGED_FILES = ("resnet50_signs.keras",)

"""nbgrader's submit, leaving the submission readable by its student and the grading account only.

Stock nbgrader makes a submission's folder in the exchange world-writable (mode 777) and its files
world-readable, relying on the folder's random name to hide it: anyone who learns the name can read the
notebook, delete it or put another in its place. The exchange's inbound folder carries the grading
account's group (set-group-ID), which every submission's folder inherits; here the folder becomes 750,
so its owner and that group (the grading account) may enter it and other students may not, whatever
the modes of the files inside (read-only, as stock; some are written after the folder's copy loses the
set-group-ID bit, so they keep the student's own group).

Students' JupyterLab servers import this file, so it imports nothing of the grader: `grader hub up`
copies it into their Python as `case_studies_submit.py`.
"""

import os

from nbgrader.exchange.default.submit import ExchangeSubmit

FOLDER_MODE = 0o750
FILE_MODE = 0o444


class PrivateSubmit(ExchangeSubmit):
    def copy_files(self):
        super().copy_files()
        # stock copy_files ends with chmod 777 on the folder: close it again at once
        self.set_perms(
            os.path.join(self.inbound_path, self.assignment_filename),
            fileperms=FILE_MODE,
            dirperms=FOLDER_MODE,
        )

"""nbgrader's collect, refusing submissions handed in under another student's name.

A submission's folder in the exchange is named `<student>+<assignment>+<timestamp>+<random>`, and stock
nbgrader trusts that name: when the folder's owner differs it only logs a warning and collects it anyway,
so a student can replace a classmate's submission by writing a newer folder in the classmate's name.
Here such a folder is refused (logged as an error) and never outranks the student's own submissions.
"""

import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect


def _owner(path: str) -> str:
    uid = os.lstat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class OwnerCheckedCollect(ExchangeCollect):
    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        owner = _owner(path)
        if owner != record["username"]:
            self.log.error(
                "refused %s: it names %s but was handed in by %s",
                record["filename"],
                record["username"],
                owner,
            )
            record["handed_in_by"] = owner
        return record

    def _sort_by_timestamp(self, records):
        # nbgrader collects the first record of each student: the genuine ones go first, newest first
        return sorted(super()._sort_by_timestamp(records), key=lambda record: "handed_in_by" in record)

    def copy_files(self):
        self.src_records = [record for record in self.src_records if "handed_in_by" not in record]
        super().copy_files()

"""nbgrader's Execute step, made to survive what student code does to its kernel.

A kernel that dies (memory exhausted, os._exit, a segfault), or that goes on running a cell after
its time limit and the interrupt (a cell that ignores SIGINT), marks that cell and the cells after
it instead of aborting the whole notebook, so the hidden checks, which run apart from the kernel,
still award the credit the answers earned.  Output beyond a limit per cell is dropped while it
streams, so a print loop cannot exhaust the grader's memory.  An assignment that trains nothing
can have a shorter cell limit than the labs (`timeout_by_assignment`).
"""

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Dict, Integer


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class ResilientExecute(Execute):
    max_output_bytes = Integer(1 << 20, help="Output kept per cell; the rest is dropped").tag(config=True)
    timeout_by_assignment = Dict(
        {}, help="Seconds a cell may run in the named assignments, instead of `timeout`"
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        assignment = (resources or {}).get("nbgrader", {}).get("assignment")
        self._assignment_timeout = self.timeout_by_assignment.get(assignment)
        self._stopped = None  # why the cells left were not run, once one stopped the kernel
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell):
        return self._assignment_timeout or super()._get_timeout(cell)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if self._stopped is not None:
            if cell.cell_type == "code":
                cell.outputs = [_error("NotRun", f"not run: {self._stopped}")]
            return cell
        self._output_bytes = 0
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            self._stopped = f"the kernel died in cell {cell_index}"
            reason = "the kernel died while running this cell (out of memory, or the process was ended)"
            stopped = getattr(self.km, "stopped_because", None)  # the sandbox's own reason, if any
            reason = f"the kernel was stopped while running this cell: {stopped}" if stopped else reason
            cell.outputs.append(_error("KernelDied", reason))
            self.log.warning("Kernel died in cell %s%s", cell_index, f": {stopped}" if stopped else "")
            return cell
        except CellTimeoutError:
            # Interrupted at its time limit, the cell still did not hand the kernel back.
            self._stopped = f"cell {cell_index} was still running after its time limit"
            reason = f"this cell did not stop when interrupted after {self._get_timeout(cell)} s"
            cell.outputs.append(_error("CellTimeoutError", reason))
            self.log.warning("Cell %s did not stop after its time limit", cell_index)
            return cell

    # nbclient binds the synchronous execute_cell to its own coroutine: rebind it to ours.
    execute_cell = run_sync(async_execute_cell)

    def output(self, outs, msg, display_id, cell_index):
        size = len(str(msg.get("content", {})))
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        if self._output_bytes > self.max_output_bytes:
            if not getattr(self, "_truncation_noted", {}).get(cell_index):
                self._truncation_noted = {**getattr(self, "_truncation_noted", {}), cell_index: True}
                note = f"\n[output beyond {self.max_output_bytes} bytes dropped by the grader]\n"
                return new_output("stream", name="stdout", text=note)
            return None
        return super().output(outs, msg, display_id, cell_index)

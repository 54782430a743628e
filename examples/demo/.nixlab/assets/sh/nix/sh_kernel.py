"""A small Jupyter kernel that runs each cell with the POSIX shell.

It is the demo's custom-argv kernel: a real wrapper kernel on ipykernel's Kernel base class
(the pattern Jupyter documents for wrapper kernels). Each cell runs in a fresh `sh -c`; stdout
and stderr are streamed back, and a non-zero exit status is reported as an error.
"""
import os
import subprocess
import sys

from ipykernel.kernelapp import IPKernelApp
from ipykernel.kernelbase import Kernel

SHELL = os.environ.get("SH_KERNEL_SHELL", "/bin/sh")


class ShKernel(Kernel):
    implementation = "sh_kernel"
    implementation_version = "1.0"
    language = "sh"
    language_version = "posix"
    language_info = {"name": "sh", "mimetype": "text/x-sh", "file_extension": ".sh"}
    banner = "POSIX shell kernel (nixlab demo)"

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
        proc = subprocess.run([SHELL, "-c", code], capture_output=True, text=True)
        if not silent:
            for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
                if text:
                    self.send_response(self.iopub_socket, "stream", {"name": name, "text": text})
        if proc.returncode != 0:
            err = {"ename": "ExitStatus", "evalue": str(proc.returncode), "traceback": [f"exit status {proc.returncode}"]}
            self.send_response(self.iopub_socket, "error", err)
            return {"status": "error", "execution_count": self.execution_count, **err}
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=ShKernel, argv=sys.argv[1:])

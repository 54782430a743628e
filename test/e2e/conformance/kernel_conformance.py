"""Kernel conformance: jupyter_kernel_test against kernels installed in a nixlab image.

Run inside the image (test/e2e/catalogue.test.ts mounts this directory and jupyter_kernel_test
read-only and starts the image's own python3 on it), so the kernels are found through the
image's JUPYTER_PATH and started by the image's jupyter_client, exactly as the server starts them:

    python3 kernel_conformance.py python=<kernel name> r=<kernel name> octave=<kernel name> sh=<kernel name>

Prints one JSON object: {"<suite>": {"<test>": "ok" | "fail: …" | "error: …" | "skipped: …"}}
and exits 0 when every test passed.

Each suite turns on the jupyter_kernel_test checks its kernel supports (the samples follow the
kernels' own jupyter_kernel_test suites: ipykernel's, IRkernel's and octave_kernel's). Checks a
kernel does not support are removed from its suite (set to None), each with the reason, and a
known deviation is checked as what it is (a test of its own): nothing is skipped, and a skip
counts as a failure.
"""

import json
import sys
import unittest

import jupyter_kernel_test as jkt


class PythonSuite(jkt.KernelTests):
    """ipykernel (the offline set's wheel) in a python3.withPackages environment."""

    # (each suite's kernel_name is replaced by the one given on the command line; never "python",
    # which jupyter_client's KernelManager turns into the native "python3")
    kernel_name = "py"
    language_name = "python"
    file_extension = ".py"
    code_hello_world = 'print("hello, world")'
    code_stderr = 'import sys; print("test", file=sys.stderr)'
    completion_samples = [{"text": "zi", "matches": {"zip"}}]
    complete_code_samples = ["1", 'print("hello, world")', "def f(x):\n  return x*2\n\n\n"]
    incomplete_code_samples = ['print("""hello', "def f(x):\n  x*2"]
    invalid_code_samples = ["import = 7q"]
    code_page_something = "zip?"
    code_generate_error = "raise Exception('boom')"
    code_execute_result = [{"code": "6*7", "result": "42"}]
    code_display_data = [
        {"code": "from IPython.display import HTML, display; display(HTML('<b>test</b>'))", "mime": "text/html"},
    ]
    code_history_pattern = "6*7"
    code_inspect_sample = "zip"
    code_clear_output = "from IPython.display import clear_output; clear_output()"

    def test_history(self):
        """History requests as jupyter_kernel_test's test_history makes them (tail with and
        without output, unique search), plus range -- which its check only passes for kernels that
        number the current session's entries as tail did; IPython numbers them 0 (so ipykernel's
        own suite leaves range out), and that is what is checked here."""
        codes = [sample["code"] for sample in self.code_execute_result]
        tail = self.history_helper(codes, output=False, raw=True, hist_access_type="tail", n=len(codes))
        self.assertEqual([entry[2] for entry in tail["content"]["history"]], codes)
        self.assertEqual(len(self.history_helper(codes, output=True, raw=True, hist_access_type="tail", n=1)["content"]["history"][0][2]), 2)
        session, start = tail["content"]["history"][0][0:2]
        ranged = self.history_helper([], output=False, raw=True, hist_access_type="range", session=session, start=start, stop=start + 1)
        self.assertEqual(ranged["content"]["history"], [[0, start, codes[0]]])
        found = self.history_helper(codes, output=False, raw=True, hist_access_type="search", pattern=self.code_history_pattern, unique=True)
        self.assertEqual([entry[2] for entry in found["content"]["history"]], codes)


class RSuite(jkt.KernelTests):
    """IRkernel (Debian's r-cran-irkernel 1.3.2) in an rWrapper environment."""

    kernel_name = "r"
    language_name = "R"
    file_extension = ".r"
    code_hello_world = 'print("hello, world")'
    code_stderr = 'message("test")'
    completion_samples = [{"text": "zi", "matches": {"zip"}}]
    complete_code_samples = ["1", 'print("hello, world")', "f <- function(x) {\n  x*2\n}"]
    incomplete_code_samples = ['print("hello', "f <- function(x) {\n  x*2"]
    code_generate_error = 'stop("boom")'
    # IRkernel shows values as display_data, never as execute_result; a plot is a PNG drawn by
    # R's cairo device (R's grDevices/cairo.so and its libraries in the store).
    code_display_data = [
        {"code": "1:3", "mime": "text/plain"},
        {"code": "plot(1:3)", "mime": "image/png"},
    ]
    code_inspect_sample = "print"
    code_page_something = "?print"
    code_clear_output = "IRdisplay::clear_output()"
    # IRkernel sends no execute_result (see above), so there is no result to check, and it keeps
    # no history to answer history requests with.
    test_execute_result = None
    test_history = None


class OctaveSuite(jkt.KernelTests):
    """octave_kernel (PyPI's, locked by the offline set) driving the image's octave-cli. (Debian's
    0.32 reported implementation_version as a tuple; the wheel's passes jupyter_kernel_test's
    own test_kernel_info.)"""

    kernel_name = "octave"
    language_name = "octave"
    file_extension = ".m"
    code_hello_world = "disp('hello, world')"
    completion_samples = [{"text": "acos", "matches": {"acos", "acosd", "acosh"}}]
    code_page_something = "ones?"
    code_inspect_sample = "ones"

    def setUp(self):
        # as octave_kernel's own suite does: let the first cell carry any start-up output
        self.execute_helper(self.code_hello_world)

    # octave_kernel runs octave-cli on a pseudo-terminal: its stdout and stderr arrive as one
    # stream (reported as stdout), and an Octave error is printed text ("error: ...") in a reply
    # with status "ok". Plots need gnuplot (octave_kernel draws inline plots with Octave's gnuplot
    # toolkit), which the image lacks. metakernel sends no execute_result for Octave (results are
    # printed), keeps no history (history_reply is empty), answers every is_complete_request with
    # "incomplete", and Octave code has no way to send clear_output.
    test_execute_stderr = None
    test_error = None
    test_display_data = None
    test_execute_result = None
    test_history = None
    test_is_complete = None
    test_clear_output = None


class ShSuite(jkt.KernelTests):
    """The demo's custom kernel (examples/demo/sh-kernel): ipykernel's Kernel base class running
    each cell with the store busybox sh."""

    kernel_name = "sh"
    language_name = "sh"
    file_extension = ".sh"
    code_hello_world = 'echo "hello, world"'
    code_stderr = "echo test >&2"
    code_generate_error = "exit 3"

    # A wrapper kernel that only implements do_execute: the base class answers complete_request
    # with no matches, inspect_request with found = false and is_complete_request with "unknown";
    # cells produce streams only (no execute_result or display_data), no pager payloads, no
    # clear_output, and it keeps no history.
    test_completion = None
    test_inspect = None
    test_is_complete = None
    test_execute_result = None
    test_display_data = None
    test_pager = None
    test_clear_output = None
    test_history = None


SUITES = {"python": PythonSuite, "r": RSuite, "octave": OctaveSuite, "sh": ShSuite}


class Collect(unittest.TestResult):
    """Records every test's outcome by suite and test name."""

    def __init__(self):
        super().__init__()
        self.outcomes = {}

    def _set(self, test, outcome):
        suite, name = test.id().split(".")[-2:]
        self.outcomes.setdefault(suite, {})[name] = outcome

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "fail: " + self._exc_info_to_string(err, test).strip().splitlines()[-1])

    def addError(self, test, err):
        super().addError(test, err)
        self._set(test, "error: " + self._exc_info_to_string(err, test).strip().splitlines()[-1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped: " + str(reason))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            kind = "fail" if issubclass(err[0], test.failureException) else "error"
            self._set(test, f"{kind} ({subtest._subDescription()}): " + self._exc_info_to_string(err, test).strip().splitlines()[-1])


def main(argv):
    loader = unittest.TestLoader()
    tests = unittest.TestSuite()
    for arg in argv:
        suite, _, kernel = arg.partition("=")
        cls = type(SUITES[suite].__name__, (SUITES[suite],), {"kernel_name": kernel})
        tests.addTests(loader.loadTestsFromTestCase(cls))
    result = Collect()
    tests.run(result)
    print(json.dumps(result.outcomes, sort_keys=True))
    return 0 if result.wasSuccessful() and not result.skipped else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

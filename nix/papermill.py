# nixlab: papermill with the image's kernel allow-list (nix/lib.nix, `env`, writes this file as
# the environment's bin/papermill, after a shebang naming the server environment's Python and a
# line setting NIXLAB_JUPYTER_CONFIG to the Jupyter config directory's store path).
#
# papermill is not a Jupyter application: it reads no Jupyter config file, so without this its
# jupyter_client would start any kernelspec it finds (the server environment's own share/jupyter
# has ipykernel's python3) and, for "python3", fall back to the server's own Python
# (KernelSpecManager._find_spec_directory does so whatever ensure_native_kernel says). Loading
# jupyter_config.py here runs what it runs in every Jupyter command: KernelSpecManager's name
# lookup is replaced in this process, so papermill starts only the declared kernels (and their
# aliases), and a notebook asking for another fails naming the kernel and the declared ones.
import sys

from traitlets.config.loader import PyFileConfigLoader

PyFileConfigLoader("jupyter_config.py", path=NIXLAB_JUPYTER_CONFIG).load_config()  # noqa: F821 (set above)

from papermill.__main__ import papermill  # noqa: E402 (after the allow-list)

sys.argv[0] = "papermill"
sys.exit(papermill())

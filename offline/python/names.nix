# nixpkgs attribute names of the Python package set -> Debian 12 packages.
#
# Names are nixpkgs' (pkgs/top-level/python-packages.nix; each has a directory
# pkgs/development/python-modules/<name>), which mostly are the normalised PyPI names, so several
# differ from Debian's (pyzmq = python3-zmq, python-dateutil = python3-dateutil, pytz = python3-tz,
# attrs = python3-attr, beautifulsoup4 = python3-bs4, websocket-client = python3-websocket, ...).
{
  # Debian 12 ships these and the Jupyter stack needs them; all installed on the dev machines and
  # CI (README.md "Debian packages").
  available = {
    anyio = "python3-anyio";
    argon2-cffi = "python3-argon2";
    asttokens = "python3-asttokens";
    attrs = "python3-attr";
    backcall = "python3-backcall";
    beautifulsoup4 = "python3-bs4";
    bleach = "python3-bleach";
    bytecode = "python3-bytecode";
    certifi = "python3-certifi";
    chardet = "python3-chardet";
    charset-normalizer = "python3-charset-normalizer";
    coverage = "python3-coverage";
    cryptography = "python3-cryptography";
    debugpy = "python3-debugpy";
    decorator = "python3-decorator";
    defusedxml = "python3-defusedxml";
    distro = "python3-distro";
    entrypoints = "python3-entrypoints";
    executing = "python3-executing";
    fastjsonschema = "python3-fastjsonschema";
    html5lib = "python3-html5lib";
    httplib2 = "python3-httplib2";
    idna = "python3-idna";
    ipykernel = "python3-ipykernel";
    ipython = "python3-ipython";
    ipython-genutils = "python3-ipython-genutils";
    jedi = "python3-jedi";
    jinja2 = "python3-jinja2";
    jsonschema = "python3-jsonschema";
    jupyter-client = "python3-jupyter-client";
    jupyter-core = "python3-jupyter-core";
    jupyter-server = "python3-jupyter-server";
    jupyterlab-pygments = "python3-jupyterlab-pygments";
    lxml = "python3-lxml";
    markupsafe = "python3-markupsafe";
    matplotlib-inline = "python3-matplotlib-inline";
    metakernel = "python3-metakernel";
    nbclient = "python3-nbclient";
    nbconvert = "python3-nbconvert";
    nbformat = "python3-nbformat";
    nest-asyncio = "python3-nest-asyncio";
    notebook = "python3-notebook";
    numpy = "python3-numpy";
    oauthlib = "python3-oauthlib";
    packaging = "python3-packaging";
    pandas = "python3-pandas";
    pandocfilters = "python3-pandocfilters";
    parso = "python3-parso";
    pexpect = "python3-pexpect";
    pickleshare = "python3-pickleshare";
    prometheus-client = "python3-prometheus-client";
    prompt-toolkit = "python3-prompt-toolkit";
    psutil = "python3-psutil";
    ptyprocess = "python3-ptyprocess";
    pure-eval = "python3-pure-eval";
    py = "python3-py";
    pydevd = "python3-pydevd";
    pygments = "python3-pygments";
    pyjwt = "python3-jwt";
    pyopenssl = "python3-openssl";
    pyparsing = "python3-pyparsing";
    pyrsistent = "python3-pyrsistent";
    python-dateutil = "python3-dateutil";
    pytz = "python3-tz";
    pyyaml = "python3-yaml";
    pyzmq = "python3-zmq";
    requests = "python3-requests";
    send2trash = "python3-send2trash";
    setuptools = "python3-setuptools";
    six = "python3-six";
    sniffio = "python3-sniffio";
    soupsieve = "python3-soupsieve";
    stack-data = "python3-stack-data";
    terminado = "python3-terminado";
    tinycss2 = "python3-tinycss2";
    toml = "python3-toml";
    tornado = "python3-tornado";
    traitlets = "python3-traitlets";
    urllib3 = "python3-urllib3";
    wcwidth = "python3-wcwidth";
    webencodings = "python3-webencodings";
    websocket-client = "python3-websocket";
    wheel = "python3-wheel";
    xmltodict = "python3-xmltodict";
  };

  # Debian 12 has these, but they are not installed on the dev machines/CI: the attribute throws
  # with the apt package to add (apt-cache policy checked each name).
  notInstalled = {
    altair = "python3-altair";
    dask = "python3-dask";
    h5py = "python3-h5py";
    httpx = "python3-httpx";
    ipywidgets = "python3-ipywidgets";
    jupyter-console = "python3-jupyter-console";
    jupyterlab-server = "python3-jupyterlab-server";
    matplotlib = "python3-matplotlib";
    mistune = "python3-mistune";
    nbclassic = "python3-nbclassic";
    networkx = "python3-networkx";
    numba = "python3-numba";
    opencv4 = "python3-opencv";
    pillow = "python3-pil";
    plotly = "python3-plotly";
    pydantic = "python3-pydantic";
    pytest = "python3-pytest";
    rpy2 = "python3-rpy2";
    scikit-learn = "python3-sklearn";
    scipy = "python3-scipy";
    seaborn = "python3-seaborn";
    sqlalchemy = "python3-sqlalchemy";
    statsmodels = "python3-statsmodels";
    sympy = "python3-sympy";
    torch = "python3-torch";
    tqdm = "python3-tqdm";
    widgetsnbextension = "python3-widgetsnbextension";
    xarray = "python3-xarray";
  };

  # Installed, but not offered: attribute name -> reason (the attribute throws with it).
  notOffered = {
    pip = "Debian's python3-pip on these machines fails dpkg's checksum check (pip/_vendor/certifi/cacert.pem was modified locally, so it is machine state, not the package); pip cannot install into a read-only Nix environment anyway";
  };

  # In nixpkgs, absent from Debian 12 (apt-cache policy: no candidate).
  missing = [
    "bash-kernel"
    "duckdb"
    "ipympl"
    "jax"
    "polars"
    "pyarrow"
    "tensorflow"
    "transformers"
  ];
}

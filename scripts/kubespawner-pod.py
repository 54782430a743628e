"""What KubeSpawner makes of the values nixlab hub --target kubernetes wrote.

Usage: kubespawner-pod.py [--chart-hub] VALUES.yaml USER. Loads `hub.config` of the values the
way the zero-to-jupyterhub chart's hub does (as traitlets config), into the real kubespawner
library; fails when a KubeSpawner setting is not one of its traits or its value is refused; builds
the pod manifest for USER and prints {"pod": …, "traits": …} as JSON on stdout.

--chart-hub: run in the hub image's own Python (nixlab's hub image for the chart). Also does what
the chart's jupyterhub_config.py does before it hands the values over: imports what it imports
and makes tornado use the curl client; sets the hub's environment (`hub.extraEnv`) and runs every
`hub.extraConfig` entry, in the chart's (sorted) order, on the config; and adds
{"hub": {"spawner": …, "authenticator": …}}: the classes they name, which must be a Spawner and
an Authenticator.
"""
import asyncio
import json
import os
import sys
import tempfile

# KubeSpawner loads a kube config when it is made (no cluster is asked for a manifest): one that
# names no reachable cluster, so nothing can leave this machine. Set before the imports, which
# read KUBECONFIG.
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none, namespace: jhub}}]
current-context: none
"""
_tmp = tempfile.TemporaryDirectory()
os.environ.pop("KUBERNETES_SERVICE_HOST", None)
os.environ["KUBECONFIG"] = os.path.join(_tmp.name, "config")
with open(os.environ["KUBECONFIG"], "w") as f:
    f.write(KUBECONFIG)

import yaml  # noqa: E402
from kubernetes_asyncio.client import ApiClient  # noqa: E402
from kubespawner import KubeSpawner  # noqa: E402
from traitlets.config import Config  # noqa: E402


class User:
    def __init__(self, name):
        self.name = name
        self.id = 1
        self.url = f"/user/{name}/"
        self.escaped_name = name


class Hub:
    public_host = ""
    url = "http://hub:8081/hub/"
    base_url = "/hub/"
    api_url = "http://hub:8081/hub/api"


def chart_hub(values):
    """What the chart's hub config does with the values, beyond hub.config; the classes it ends with."""
    import jupyterhub.utils  # noqa: F401  (the chart's config imports url_path_join from it)
    from jupyterhub.auth import Authenticator
    from jupyterhub.spawner import Spawner
    from kubernetes_asyncio import client  # noqa: F401
    from tornado.httpclient import AsyncHTTPClient
    from traitlets.utils.importstring import import_item

    AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient")
    if AsyncHTTPClient.configured_class().__name__ != "CurlAsyncHTTPClient":
        raise SystemExit("tornado did not take the curl client")
    hub = values["hub"]
    for name, value in (hub.get("extraEnv") or {}).items():
        os.environ[name] = value
    c = Config(hub["config"])
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    for key, source in sorted((hub.get("extraConfig") or {}).items()):
        exec(compile(source, f"hub.extraConfig.{key}", "exec"), {"__name__": "jupyterhub_config", "c": c, "os": os, "sys": sys})

    def resolve(value, group, base):
        if isinstance(value, str):
            from importlib.metadata import entry_points

            named = [e for e in entry_points(group=group) if e.name == value]
            value = named[0].load() if named else import_item(value)
        if not (isinstance(value, type) and issubclass(value, base)):
            raise SystemExit(f"{value!r} is not a {base.__name__}")
        return f"{value.__module__}.{value.__qualname__}"

    return {
        "spawner": resolve(c.JupyterHub.spawner_class, "jupyterhub.spawners", Spawner),
        "authenticator": resolve(c.JupyterHub.authenticator_class, "jupyterhub.authenticators", Authenticator),
    }


async def main(path, user, hub_check):
    with open(path) as f:
        values = yaml.safe_load(f)
    hub = chart_hub(values) if hub_check else None
    settings = values["hub"]["config"]["KubeSpawner"]
    config = Config({"KubeSpawner": settings})
    spawner = KubeSpawner(config=config, user=User(user), hub=Hub(), _mock=True)
    traits = {}
    for name, value in settings.items():
        if not spawner.has_trait(name) or not spawner.trait_metadata(name, "config"):
            raise SystemExit(f"KubeSpawner has no setting {name!r}")
        got = getattr(spawner, name)
        if got != value and not (isinstance(value, list) and list(got) == value):
            raise SystemExit(f"KubeSpawner.{name} is {got!r}, not the value given ({value!r})")
        traits[name] = got
    # What the hub sets before a start: the server's API token and URL, in the environment.
    spawner.api_token = "token-for-the-manifest"
    pod = await spawner.get_pod_manifest()
    result = {"pod": ApiClient().sanitize_for_serialization(pod), "traits": traits}
    if hub is not None:
        result["hub"] = hub
    print(json.dumps(result, default=str))


args = sys.argv[1:]
hub_check = args[:1] == ["--chart-hub"]
if hub_check:
    args = args[1:]
try:
    asyncio.run(main(args[0], args[1], hub_check))
finally:
    _tmp.cleanup()

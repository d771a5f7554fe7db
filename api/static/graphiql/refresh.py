"""Fetch GraphiQL's vendored files from npm again, as listed in vendor.json.

    python api/static/graphiql/refresh.py            # the versions in vendor.json; fails if a file differs
    python api/static/graphiql/refresh.py --update   # after editing a version: record the new integrity values

Each package is fetched with ``npm pack NAME@VERSION`` (the ordinary npm
client, from whatever registry npm is configured for), unpacked, and the files
named in vendor.json are copied here.  Without ``--update`` every script and
style sheet must have the sha384 recorded in vendor.json, which for the
versions strawberry's page uses is the ``integrity`` value of that page: the
files are exactly the ones the CDN would serve.  The page sends the same
values as ``integrity`` attributes, so a browser refuses a changed file.

Not part of the installed package; needs Node's npm.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "vendor.json"


def sri(data: bytes) -> str:
    """A Subresource Integrity value (``sha384-…``) of some bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def fetch(name: str, version: str, into: Path) -> Path:
    """``npm pack`` one package into a folder; the path of its unpacked ``package/``."""
    done = subprocess.run(["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
                          check=True, capture_output=True, text=True)
    tarball = into / json.loads(done.stdout)[0]["filename"]
    target = into / tarball.stem
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="record new integrity values instead of checking them")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    integrity: dict[str, str] = manifest["integrity"]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for package in manifest["packages"]:
            unpacked = fetch(package["name"], package["version"], Path(tmp))
            for source, local in package["files"].items():
                data = (unpacked / source).read_bytes()
                if not local.startswith("LICENSE"):
                    if args.update:
                        integrity[local] = sri(data)
                    elif integrity.get(local) != sri(data):
                        problems.append(f"{package['name']}@{package['version']} {source}: {sri(data)}, "
                                        f"vendor.json says {integrity.get(local)}")
                        continue
                (HERE / local).write_bytes(data)
                print(f"{local:32} ← {package['name']}@{package['version']}/{source} ({len(data):,} bytes)")
    if problems:
        print("integrity differs (run with --update after changing a version):", *problems, sep="\n  ", file=sys.stderr)
        return 1
    if args.update:
        MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the data of the outside check of issue 16 with the benchmark's own builder only.

python scripts/outside16_build.py ROOT  -> ROOT/{hub,home,friend-home,solo-home,solo-hub}, ROOT/world.json
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import data
from benchmarks.common import Sizes, isolated_env, peers_command


def main() -> None:
    root = Path(sys.argv[1])
    sizes = Sizes.full()
    world = data.make_world(root)
    data.write_big_file(world, sizes)
    data.create_big_group(world)
    env = isolated_env(root, world.home, world.hub)
    t = time.time()
    proc = subprocess.run(peers_command() + ["import", data.World.BIG, str(world.big_jsonl)],
                          env=env, capture_output=True, text=True)
    print("import", proc.returncode, proc.stdout.strip(), proc.stderr.strip()[-300:],
          f"{time.time() - t:.1f} s", flush=True)
    data.build_fleet(world, sizes)
    world.big_jsonl.unlink()
    out = {k: str(v) if isinstance(v, Path) else v for k, v in vars(world).items()}
    (root / "world.json").write_text(json.dumps(out, indent=1))
    print("built", json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

"""Copy the Jianying draft next to this script into Jianying's drafts folder. Python 3 standard library only.

Usage: python install_jianying_draft.py [DRAFTS_FOLDER]
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

CANDIDATES = (
    Path(os.environ.get("LOCALAPPDATA", "~")) / "JianyingPro" / "User Data" / "Projects" / "com.lveditor.draft",
    Path("~/Movies/JianyingPro/User Data/Projects/com.lveditor.draft"),
)


def main() -> int:
    here = Path(__file__).resolve().parent
    drafts = [path for path in here.iterdir() if (path / "draft_meta_info.json").is_file()]
    if len(drafts) != 1:
        print(f"expected one draft folder next to this script, found {len(drafts)}")
        return 1
    targets = [Path(sys.argv[1])] if len(sys.argv) > 1 else [path.expanduser() for path in CANDIDATES]
    target = next((path for path in targets if path.is_dir()), None)
    if target is None:
        print("Jianying's drafts folder was not found; pass it as the first argument")
        return 1
    destination = target / drafts[0].name
    if destination.exists():
        print(f"{destination} already exists; remove it first to replace it")
        return 1
    shutil.copytree(drafts[0], destination)
    print(f"copied to {destination}; restart Jianying to see it")
    return 0


if __name__ == "__main__":
    sys.exit(main())

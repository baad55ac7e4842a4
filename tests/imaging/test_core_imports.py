"""The core package never imports a GUI toolkit (Qt, napari, magicgui, vispy)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = ("qtpy", "PyQt5", "PyQt6", "PySide2", "PySide6", "napari", "magicgui", "vispy")

SCRIPT = textwrap.dedent(
    """
    import importlib
    import importlib.abc
    import pkgutil
    import sys

    BLOCKED = {blocked!r}

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in BLOCKED:
                raise ImportError(f"GUI module {{fullname}} imported from the core")
            return None

    sys.meta_path.insert(0, Blocker())

    import imaging

    failures = []
    names = ["imaging"]
    for info in pkgutil.walk_packages(imaging.__path__, "imaging.", onerror=failures.append):
        names.append(info.name)
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failures.append(f"{{name}}: {{exc}}")
    for name in imaging.__all__:
        getattr(imaging, name)
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print(len(names))
    if failures or leaked:
        print("FAILURES", failures, "LEAKED", leaked)
        sys.exit(1)
    """
).format(blocked=BLOCKED)


def test_core_imports_without_gui_modules() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Every module was imported: the walk found the loaders and at least the CLI modules.
    assert int(done.stdout.split()[0]) >= 10


def test_blocker_really_blocks() -> None:
    """The same script fails when a core module imports a GUI package."""
    script = SCRIPT.replace("import imaging\n", "import imaging\nimport napari\n", 1)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    assert "GUI module napari imported from the core" in done.stderr

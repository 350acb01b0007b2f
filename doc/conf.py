"""Sphinx configuration for skreg's documentation.

Build (warnings are errors, the gallery runs every example)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

Add ``-D plot_gallery=0`` to skip running the examples.
"""

import os
import re
import sys
import warnings

# Build against the working tree when skreg is not installed.
sys.path.insert(0, os.path.abspath(".."))

import skreg

project = "skreg"
author = "the skreg developers"
copyright = "2026, the skreg developers"
version = release = skreg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5"]
root_doc = "index"
default_role = "literal"

# API reference: one page per public name, from the numpydoc docstrings.
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_theme_options = {
    "description": "Regularized estimators for scikit-learn",
    "fixed_sidebar": True,
    "page_width": "1100px",
}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"quickstart\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skreg",),
    "backreferences_dir": None,
    "show_memory": False,
    "min_reported_time": 5,
}

# Examples fit short runs on purpose; their warnings must not fail the build.
warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")

_PARAM_HEADER = re.compile(r"^(\s*[\w*][\w*, ]* : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])(\w+_)(?![`\w])")


def _normalize_docstring(app, what, name, obj, options, lines):
    """Make numpydoc conventions that rely on non-raw strings render.

    - A type line continued with a trailing backslash (scikit-learn's style
      for long types) keeps the backslash in raw docstrings: join the lines.
    - Names ending in ``_`` inside a type (``shape (n_features_in_,)``) would
      be read as reStructuredText link references: quote them.
    """
    joined = []
    for line in lines:
        if joined and joined[-1].rstrip().endswith("\\"):
            joined[-1] = joined[-1].rstrip()[:-1] + line.lstrip()
        else:
            joined.append(line)
    for i, line in enumerate(joined):
        match = _PARAM_HEADER.match(line)
        if match:
            kind = _TRAILING_UNDERSCORE.sub(r"`\1`", match.group(2))
            joined[i] = match.group(1) + kind
    if getattr(obj, "__module__", "").startswith("sklearn"):
        # Methods inherited from scikit-learn point into scikit-learn's own
        # user guide and glossary; keep their text, drop the dangling link.
        joined = [_SKLEARN_ROLE.sub(_role_text, line) for line in joined]
    lines[:] = joined


_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`]*)`")


def _role_text(match):
    text = match.group(1)
    label = re.match(r"^(.*?)\s*<[^>]*>$", text)
    return label.group(1) if label else text


def setup(app):
    # Before numpydoc (priority 500) parses the sections.
    app.connect("autodoc-process-docstring", _normalize_docstring, priority=100)

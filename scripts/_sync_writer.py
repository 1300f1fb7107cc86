"""How ``scripts/gen_sync.py`` turns an async class (read with ``ast``) into its sync twin.

Annotations and defaults are copied with the rules' renames; every name they use is imported
from where the async module got it.  Bodies delegate to the wrapped async object, through the
runner for coroutines.  Docstrings keep their source indentation (the nesting is the same).
"""

from __future__ import annotations

import ast
import builtins
import copy
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from _sync_rules import (
    CLIENT,
    METHOD_RENAMES,
    PACKAGE,
    RESOURCES,
    SPECIAL,
    SYNC_NOTES,
    TARGETS,
    GenerationError,
    Rules,
    Target,
    raw_name,
)
from _sync_templates import Templates


def module_name(path: str) -> str:
    """``efundpay/resources/customers.py`` -> ``efundpay.resources.customers``."""
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass
class SourceModule:
    """One parsed source file: its classes and where each of its names comes from."""

    path: str
    tree: ast.Module
    origins: dict[str, tuple[str, str]]  # name -> (absolute module, name there)

    @classmethod
    def read(cls, root: Path, path: str) -> SourceModule:
        """Parse ``root / path`` and index its imports and top-level definitions."""
        tree = ast.parse((root / path).read_text(encoding="utf-8"), filename=path)
        module = module_name(path)
        package = module.rsplit(".", 1)[0]
        origins: dict[str, tuple[str, str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                absolute = ".".join(p for p in (base, node.module or "") if p)
                for alias in node.names:
                    origins[alias.asname or alias.name] = (absolute, alias.name)
        for node in tree.body:
            targets: list[ast.expr] = []
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                origins[node.name] = (module, node.name)
            elif isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    origins[target.id] = (module, target.id)
        return cls(path, tree, origins)

    def find_class(self, name: str) -> ast.ClassDef:
        """The top-level class ``name``."""
        for node in self.tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return node
        raise GenerationError(f"{self.path}: class {name} not found")


# -- writing the sync twin ------------------------------------------------------------------


class _Renamer(ast.NodeTransformer):
    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.rules.rename(node.id), node.ctx)


@dataclass
class Writer:
    """Builds the output module: class bodies, plus the names they need imported."""

    rules: Rules
    templates: Templates
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> origin
    docstrings: dict[str, str] = field(default_factory=dict)  # placeholder -> literal

    def expr(self, node: ast.expr, source: SourceModule) -> str:
        """An annotation or default, renamed; its names are imported from their origin."""
        renamed = _Renamer(self.rules).visit(copy.deepcopy(node))
        sync_names = {t.sync_name for t in TARGETS} | {raw_name(t.sync_name) for t in RESOURCES}
        for name in {n.id for n in ast.walk(renamed) if isinstance(n, ast.Name)}:
            if name in sync_names or hasattr(builtins, name):
                continue
            if name not in source.origins:
                raise GenerationError(f"{source.path}: cannot tell where {name!r} comes from")
            self.imports[name] = source.origins[name]
        return ast.unparse(renamed)

    def signature(
        self, name: str, func: ast.FunctionDef | ast.AsyncFunctionDef, source: SourceModule
    ) -> str:
        """``def name(<same parameters>) -> <same return>:``."""
        args = copy.deepcopy(func.args)
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None and arg.annotation is not None:
                arg.annotation = ast.parse(self.expr(arg.annotation, source), mode="eval").body
        for default in (*args.defaults, *args.kw_defaults):
            if default is not None:
                self.expr(default, source)
        returns = f" -> {self.expr(func.returns, source)}" if func.returns else ""
        return f"def {name}({ast.unparse(args)}){returns}:"

    def docstring(
        self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, extra: str = ""
    ) -> str:
        """The node's docstring, rewritten, as a literal (empty when it has none)."""
        doc = ast.get_docstring(node, clean=False)
        if doc is None:
            return ""
        doc = self.rules.docstring(doc)
        if extra:
            indent = " " * (node.col_offset + 4)
            doc = f"{doc.rstrip()}\n\n{textwrap.indent(extra, indent)}\n{indent}"
        literal = '"""' + doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'
        # Docstring lines keep their source indentation (the nesting is the same here), so
        # they are put in after the body is indented, through a placeholder line.
        key = f"@@docstring {len(self.docstrings)}@@"
        self.docstrings[key] = literal
        return key

    def place_docstrings(self, source: str) -> str:
        """``source`` with each placeholder replaced by its docstring literal."""
        for key, literal in self.docstrings.items():
            source = source.replace(key, literal)
        return source


def forward(func: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The arguments that pass ``func``'s own parameters on unchanged."""
    args = func.args
    parts = [a.arg for a in (*args.posonlyargs, *args.args)][1:]  # without self
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    parts += [f"{a.arg}={a.arg}" for a in args.kwonlyargs]
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    return ", ".join(parts)


def _is_property(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in func.decorator_list)


def _returns_self(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return isinstance(func.returns, ast.Name) and func.returns.id == "Self"


def member(
    writer: Writer,
    target: Target,
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    source: SourceModule,
) -> list[str] | None:
    """One sync member as source lines (relative to the class body), or ``None`` to skip."""
    name = func.name
    if func.decorator_list and not (_is_property(func) and len(func.decorator_list) == 1):
        raise GenerationError(f"{target.async_name}.{name}: no rule for its decorators")
    key = name if target is CLIENT else f"resource {name}"
    special = SPECIAL.get(key)
    if special is not None:
        writer.rules.members[key].uses += 1
    elif name.startswith("__"):
        raise GenerationError(f"{target.async_name}.{name}: no rule for this special method")
    elif name.startswith("_"):
        return None  # private: the pipeline stays in the async client
    elif _returns_self(func):
        raise GenerationError(f"{target.async_name}.{name}: returns Self, and no rule covers it")
    head = writer.signature(
        writer.rules.rename(name) if name in METHOD_RENAMES else name, func, source
    )
    call = forward(func)
    names = placeholders(target, call)
    if key == "resource __init__":
        head = writer.templates.header(SPECIAL[key], names).rstrip()
        writer.imports[target.async_name] = (module_name(target.path), target.async_name)
    if special is not None:
        body = writer.templates.body(special, names)
        if _is_property(func):
            head = f"@property\n{head}"
    elif _is_property(func):
        head = f"@property\n{head}"
        body = [f"return self._async.{name}"]
    else:
        returns_none = isinstance(func.returns, ast.Constant) and func.returns.value is None
        inner = (
            f"self._runner.run(self._async.{name}{', ' if call else ''}{call})"
            if isinstance(func, ast.AsyncFunctionDef)
            else f"self._async.{name}({call})"
        )
        body = [("" if returns_none else "return ") + inner]
    doc = writer.docstring(func)
    body = [doc, *body] if doc else body
    return [*head.split("\n"), *textwrap.indent("\n".join(body), "    ").split("\n")]


def placeholders(target: Target, call: str = "") -> dict[str, str]:
    """What the template's placeholder names stand for in ``target``'s twin."""
    return {
        "ARGS": call,
        "AsyncResource": target.async_name,
        "SyncRawResource": raw_name(target.sync_name),
        "SyncResource": target.sync_name,
    }


def template_member(
    writer: Writer, key: str, target: Target, items: list[dict[str, str]] | None = None
) -> list[str]:
    """A member written whole from the template (``def`` line and body)."""
    names = placeholders(target)
    head = writer.templates.header(key, names).rstrip().split("\n")
    body = writer.templates.body(key, names, items or [])
    return [*head, *textwrap.indent("\n".join(body), "    ").split("\n")]


def bind_method(writer: Writer, attributes: list[tuple[str, Target]]) -> list[str]:
    """``EFundPay._bind``: wires a wrapped async client, the runner and the resources."""
    writer.imports["Runner"] = ("efundpay._runner", "Runner")
    writer.imports[CLIENT.async_name] = (module_name(CLIENT.path), CLIENT.async_name)
    items = [
        {"resource_attribute": attr, "SyncResource": res.sync_name} for attr, res in attributes
    ]
    return template_member(writer, "Client._bind", CLIENT, items)


def twin(writer: Writer, target: Target, source: SourceModule) -> str:
    """The sync twin of one async class, as source."""
    cls = source.find_class(target.async_name)
    resources = {t.async_name: t for t in RESOURCES}
    extra = SYNC_NOTES if target is CLIENT else ""
    lines = [f"class {target.sync_name}:"]
    body: list[str] = [writer.docstring(cls, extra), ""]
    attributes: list[tuple[str, Target]] = []
    for node in cls.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring, done above
        if (
            isinstance(node, ast.AnnAssign)
            and node.value is None
            and isinstance(node.target, ast.Name)
        ):
            annotation = node.annotation
            if not (isinstance(annotation, ast.Name) and annotation.id in resources):
                raise GenerationError(
                    f"{target.async_name}.{node.target.id}: no rule for this attribute"
                )
            attributes.append((node.target.id, resources[annotation.id]))
            body.append(f"{node.target.id}: {writer.expr(annotation, source)}")
            continue
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            raise GenerationError(f"{target.async_name}: no rule for {ast.dump(node)[:60]}…")
        emitted = member(writer, target, node, source)
        if emitted is not None:
            body += ["", *emitted]
    if target is CLIENT:
        body += ["", *bind_method(writer, attributes)]
    else:
        body += ["", *raw_method(writer, target)]
    lines += textwrap.indent("\n".join(body), "    ").split("\n")
    text = "\n".join(line.rstrip() for line in lines)
    if target is not CLIENT:
        text += "\n\n\n" + raw_twin(writer, target, source)
    return text


def raw_method(writer: Writer, target: Target) -> list[str]:
    """``Subscriptions._with_raw_response``: the twin of the raw async resource, wrapped."""
    return template_member(writer, "Resource._with_raw_response", target)


def raw_twin(writer: Writer, target: Target, source: SourceModule) -> str:
    """The sync twin of ``Async…WithRawResponse``: each operation of a raw twin, typed."""
    cls = source.find_class(raw_name(target.async_name))
    operations = [
        {"operation": node.name}
        for node in source.find_class(target.async_name).body
        if isinstance(node, ast.AsyncFunctionDef) and not node.name.startswith("_")
    ]
    writer.imports["returns_raw_sync"] = ("efundpay.resources._raw", "returns_raw_sync")
    init = template_member(writer, "RawResource.__init__", target, operations)
    body = [writer.docstring(cls), "", *init]
    lines = [
        f"class {raw_name(target.sync_name)}:",
        *textwrap.indent("\n".join(body), "    ").split("\n"),
    ]
    return "\n".join(line.rstrip() for line in lines)


def render_imports(imports: dict[str, tuple[str, str]]) -> str:
    """``from X import a, b`` lines, relative inside the package (ruff sorts them)."""
    by_module: dict[str, list[str]] = {}
    for local, (module, original) in imports.items():
        by_module.setdefault(module, []).append(
            original if original == local else f"{original} as {local}"
        )
    lines = []
    for module, names in sorted(by_module.items()):
        inside = module == PACKAGE or module.startswith(PACKAGE + ".")
        where = "." + module[len(PACKAGE) + 1 :] if inside else module
        lines.append(f"from {where} import {', '.join(sorted(names))}")
    return "\n".join(lines)

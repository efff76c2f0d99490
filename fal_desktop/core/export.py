"""Export a session: a folder with every result (parameters embedded) and ``session.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fal_desktop.core.atomic import write_text_atomic
from fal_desktop.core.jobstore import JobRecord
from fal_desktop.core.saving import job_parameters, render_name, save_with_metadata, unique_path
from fal_desktop.core.sessions import Session, completed

__all__ = ["ExportResult", "export_session"]


@dataclass
class ExportResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        text = f"Exported {len(self.files)} image{'s' if len(self.files) != 1 else ''} to {self.folder}."
        if self.problems:
            text += f" {len(self.problems)} could not be written: {self.problems[0]}"
        return text


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).isoformat() if moment else None


def export_session(session: Session, runs: list[JobRecord], parent: Path) -> ExportResult:
    """Write ``parent/<session name>/`` (a new folder, never over an old export)."""
    name = render_name("{name}", name=session.name[:80]).replace("/", "-") or "session"
    folder = unique_path(Path(parent), name)
    folder.mkdir(parents=True)
    result = ExportResult(folder)
    entries = []
    for number, job in enumerate(completed(runs), start=1):
        params = job_parameters(job)
        names = []
        for index, source in enumerate(job.files):
            suffix = Path(source).suffix.lower() or ".png"
            name = render_name(
                "{number}_{model}_{seed}_{index}{ext}",
                number=f"{number:03d}",
                model=job.endpoint_id.rsplit("/", 1)[-1],
                seed=params["seed"],
                index=index,
                ext=suffix,
            )
            try:
                saved = save_with_metadata(Path(source), folder / name, params)
            except (OSError, ValueError) as exc:
                result.problems.append(f"{Path(source).name}: {exc}")
                continue
            result.files.append(saved)
            names.append(saved.name)
        entries.append(
            {
                **params,
                "files": names,
                "label": job.label,
                "created_at": _iso(job.created_at),
                "submitted_at": _iso(job.submitted_at),
                "finished_at": _iso(job.finished_at),
                "seconds": round(job.finished_at - job.created_at, 3) if job.finished_at else None,
            }
        )
    costs = [entry["cost_usd"] for entry in entries]
    document = {
        "session": session.name,
        "exported_at": _iso(datetime.now().timestamp()),
        #: The known costs summed; runs whose cost fal did not give are counted apart.
        "total_cost_usd": round(sum(c for c in costs if c is not None), 10),
        "runs_with_unknown_cost": sum(1 for c in costs if c is None),
        "runs": entries,
    }
    write_text_atomic(folder / "session.json", json.dumps(document, indent=1, ensure_ascii=False))
    return result

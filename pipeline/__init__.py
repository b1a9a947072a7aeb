__version__ = "0.1.0"


def is_blank(model: str) -> bool:
    """The fast profile (`--model blank`), which `Pipeline.load` never builds a spaCy
    pipeline for. Here, not in pipeline.process, so that a run can ask before importing
    the stages (the writer of a worker pool never imports them)."""
    return model.strip().lower() == "blank"

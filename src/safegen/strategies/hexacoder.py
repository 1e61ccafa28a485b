"""hexacoder: two-step generation, first the security-relevant imports, then the code with them fixed at its top."""

from __future__ import annotations

from safegen import progress
from safegen.config import Settings
from safegen.prompts import templates
from safegen.strategies import stages
from safegen.strategies.base import NoOptions, StagedStrategy
from safegen.strategies.state import RunState
from safegen.types import Candidate


class HexaCoderStrategy(StagedStrategy[NoOptions]):
    """HexaCoder's two-step prompting: imports first, then the implementation that starts with them."""

    name = "hexacoder"
    summary = "two-step generation: first the security-relevant imports, then the code with them fixed at its top"

    def options(self, settings: Settings) -> NoOptions:
        return NoOptions()

    def execute(self, state: RunState, opts: NoOptions) -> Candidate | None:
        imports = stages.ask_imports(state)
        progress.note(f"imports chosen: {', '.join(imports) or 'none'}")
        messages = templates.generation_messages(state.task.requirement, entry_point=state.entry_point,
                                                 imports=imports)
        candidate = stages.generate(state, messages, origin="two-step", imports=imports)[0]
        return candidate if candidate.code else None

"""The lab's practice: an exercise with the grads hidden, and the check of a student's answers.

Exercises come from `micrograd_mlp.teaching.practice` (made from a level and a seed, so
the page sends back only those two and the answers, never the solution).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

from ....teaching import practice
from ....teaching.expression import parse_expression
from .graph import graph_payload

__all__ = ["level_and_seed", "check_answers_shape", "exercise_payload", "check_payload"]


def level_and_seed(data: Dict[str, Any]) -> Tuple[int, Optional[int]]:
    """The level (1 to 4) and seed (or None) of a practice request; ValueError says what is wrong."""
    level = data.get("level", 1)
    seed = data.get("seed")
    if isinstance(level, bool) or not isinstance(level, int) or level not in practice.LEVELS:
        raise ValueError(f"level must be 1, 2, 3 or 4, got {json.dumps(level)[:20]}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32):
        raise ValueError(f"seed must be a whole number from 0 to {2**32 - 1}, got {json.dumps(seed)[:20]}")
    return level, seed


def check_answers_shape(answers: Any) -> Dict[str, Any]:
    """``answers`` if it is an object of node name -> number or short text; else ValueError."""
    if not isinstance(answers, dict) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) and len(str(v)) <= 100 for v in answers.values()
    ):  # fmt: skip
        raise ValueError("answers must be an object of node name -> number or short text, e.g. {\"a\": \"-3\"}")
    return answers


def exercise_payload(level: int, seed: Optional[int], defer_drawing: bool = False) -> Dict[str, Any]:
    """A new exercise for the page: expression, values, the grads asked for, its graph without grads.

    >>> exercise_payload(1, 3)["level_name"] == practice.LEVELS[1]
    True
    """
    exercise = practice.make_exercise(level, seed)
    return {"level": exercise.level, "level_name": practice.LEVELS[exercise.level], "seed": exercise.seed,
            "expression": exercise.expression, "values": exercise.values, "asked": exercise.asked,
            "forward": exercise.forward_lines(),
            "graph": graph_payload(exercise.root, show_grad=False, defer_drawing=defer_drawing)}  # fmt: skip


def check_payload(level: int, seed: int, answers: Dict[str, Any], defer_drawing: bool = False) -> Dict[str, Any]:
    """The verdict on each answer, the worked steps, and the graph with its grads."""
    exercise = practice.make_exercise(level, seed)
    feedback = practice.check_answer(exercise, answers)
    root = parse_expression(exercise.expression, **exercise.values)
    root.label = exercise.root.label
    right, asked = feedback.score
    return {
        "level": level, "seed": seed, "all_right": feedback.all_right, "right": right, "asked": asked,
        "verdicts": [{"name": v.name, "given": v.given, "expected": v.expected, "right": v.right,
                      "mistake": v.mistake, "message": v.message} for v in feedback.verdicts],
        "steps": feedback.steps, "explanations": feedback.explanations,
        "graph": graph_payload(root, defer_drawing=defer_drawing),
    }  # fmt: skip

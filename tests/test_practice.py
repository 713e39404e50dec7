"""Practice: exercises per level, verdicts checked against the engine, diagnoses, the CLI."""

import os
import re
import subprocess
import sys

import pytest

from micrograd_mlp import topological_order
from micrograd_mlp.teaching.explain import node_names
from micrograd_mlp.teaching.practice import LEVELS, check_answer, exercise_answers, make_exercise

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_each_level_is_reproducible_and_its_answers_are_the_engines(level):
    for seed in range(15):
        exercise = make_exercise(level, seed)
        again = make_exercise(level, seed)
        assert (exercise.expression, exercise.values, exercise.asked) == (again.expression, again.values, again.asked)
        assert all(node.grad == 0.0 for node in topological_order(exercise.root))  # hidden: never backpropagated
        answers = exercise_answers(exercise)
        # the engine's own backward on the exercise graph gives the same numbers
        exercise.root.backward()
        names = node_names(topological_order(exercise.root))
        engine = {names[node]: node.grad for node in topological_order(exercise.root)}
        assert answers == {name: engine[name] for name in exercise.asked}
        feedback = check_answer(exercise, answers)
        assert feedback.all_right and feedback.score == (len(exercise.asked), len(exercise.asked))
        assert "1 right" not in str(feedback) or feedback.all_right


def test_levels_have_their_shape():
    ops = {level: set() for level in LEVELS}
    for level in LEVELS:
        for seed in range(30):
            root = make_exercise(level, seed).root
            nodes = topological_order(root)
            ops[level].add(sum(1 for node in nodes if node.parents))
            if level == 3:  # a reused node: some leaf has two edges
                uses = {}
                for node in nodes:
                    for parent in node.parents:
                        uses[parent] = uses.get(parent, 0) + 1
                assert max(uses.values()) >= 2, make_exercise(level, seed).expression
            if level == 4:
                assert {"x1", "w1", "b"} <= {node.label for node in nodes}
    assert ops[1] == {1}
    assert min(ops[2]) >= 2


def verdicts(feedback):
    return {v.name: (v.right, v.mistake) for v in feedback.verdicts}


def test_second_path_forgotten():
    exercise = make_exercise(3, 1)  # (a + b) * a, a=-1, b=-2: da = add1 + a*1 = -3 + -1
    assert exercise.expression == "(a + b) * a"
    feedback = check_answer(exercise, {"add1": -1, "b": -1, "a": -3})
    assert verdicts(feedback)["a"] == (False, "second_path")
    assert "sum over every path" in feedback.verdicts[2].message
    assert check_answer(exercise, {"add1": -1, "b": -1, "a": -1}).verdicts[2].mistake == "second_path"


def test_local_derivative_wrong_with_the_upstream_right():
    exercise = make_exercise(2, 2)  # (a * b + c) * d with a=-1, b=2, c=2, d=2
    assert exercise.expression == "(a * b + c) * d"
    right = exercise_answers(exercise)
    answers = dict(right, a=right["mul1"] * -1)  # used a instead of b as d(a*b)/da
    feedback = check_answer(exercise, answers)
    verdict = [v for v in feedback.verdicts if v.name == "a"][0]
    assert (verdict.right, verdict.mistake) == (False, "local")
    # the rule in the exercise's own names, with its number
    assert "the local derivative is dmul1/da = b = 2.0 (mul1 = a * b, and the derivative of the product" in verdict.message
    # passing the upstream through unchanged is a local-derivative mistake too
    neuron = make_exercise(4, 4)  # tanh(x1*w1 + x2*w2 + b): dout/dx1 = dout/dmul2 * w1
    right = exercise_answers(neuron)
    answers = dict(right, x1=right["mul2"])
    verdict = [v for v in check_answer(neuron, answers).verdicts if v.name == "x1"][0]
    assert verdict.mistake == "local" and "through unchanged" in verdict.message


def test_upstream_wrong_flows_down():
    exercise = make_exercise(2, 2)
    right = exercise_answers(exercise)
    wrong_mul1 = right["mul1"] + 3.0
    answers = dict(right, mul1=wrong_mul1, a=wrong_mul1 * exercise.values["b"])  # consistent with the wrong upstream
    feedback = verdicts(check_answer(exercise, answers))
    assert feedback["mul1"][0] is False
    assert feedback["a"] == (False, "upstream")
    assert feedback["b"] == (True, "")
    # only the local derivative, without the upstream factor
    answers = dict(right, a=exercise.values["b"])
    assert verdicts(check_answer(exercise, answers))["a"] == (False, "upstream")


def test_missing_and_not_a_number_and_fractions():
    exercise = make_exercise(1, 7)  # a / b with a=2, b=2: da = 1/2, db = -1/2
    assert exercise.expression == "a / b"
    feedback = check_answer(exercise, {"a": "1/2", "b": "-0.5"})
    assert feedback.all_right
    feedback = check_answer(exercise, {"a": "half", "b": ""})
    assert verdicts(feedback) == {"a": (False, "not_a_number"), "b": (False, "missing")}
    assert check_answer(exercise, {"a": "__import__('os')", "b": 0}).verdicts[0].mistake == "not_a_number"
    # close enough: rounded to 3 digits is right, off by 1% is not
    assert check_answer(make_exercise(4, 4), {"add2": "0.786"}).verdicts[0].right
    assert not check_answer(make_exercise(4, 4), {"add2": "0.7786"}).verdicts[0].right


def test_feedback_text_has_the_worked_steps_when_wrong():
    exercise = make_exercise(1, 2)
    text = str(check_answer(exercise, {"a": 1, "b": -1}))
    assert "1 of 2 right" in text
    assert "step 1: at out (*), upstream grad 1.0" in text
    assert "dout/da = dout/dout * dout/da = 1 * b = 1 * (-2.0) = -2.0" in text


def test_bad_arguments():
    with pytest.raises(ValueError, match="level must be one of"):
        make_exercise(5)
    with pytest.raises(ValueError, match="seed"):
        make_exercise(1, -1)
    with pytest.raises(TypeError, match="Exercise"):
        check_answer("a*b", {})


def run_cli(args, stdin):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "micrograd_mlp", "practice", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60)  # fmt: skip


def test_cli_right_and_wrong_answers_from_stdin():
    done = run_cli(["--level", "3", "--seed", "1"], "-1\n-1\n-3\n")
    assert done.returncode == 0, done.stderr
    assert "out = (a + b) * a" in done.stdout
    assert "dout/da = -3" in done.stdout  # the answer is echoed after its prompt
    assert "2 of 3 right" in done.stdout
    assert "its grad is the sum over every path" in done.stdout
    assert "step 2: at add1 (+), upstream grad -1.0" in done.stdout
    done = run_cli(["--level", "3", "--seed", "1"], "-1\n-1\n-4\n")
    assert "3 of 3 right: well done!" in done.stdout


def test_cli_without_answers_and_bad_options():
    done = run_cli(["--level", "2"], "")
    assert done.returncode == 1
    assert "no answer on standard input" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli(["--level", "9"], "")
    assert done.returncode == 2 and "from 1 to 4" in done.stderr
    done = run_cli(["--level", "1", "--seed", "2", "--count", "2"], "-2\n-1\n1\n1\n1\n")
    assert done.returncode == 0 and done.stdout.count("right") >= 2 and "exercise 2 of 2" in done.stdout


def test_a_typo_at_a_terminal_is_asked_again():
    from micrograd_mlp.teaching.practice import ask_in_terminal

    typed = iter(["-2", "two", "-1"])
    prompts = []

    def read_line(prompt):
        prompts.append(prompt)
        return next(typed)

    feedback = ask_in_terminal(make_exercise(1, 2), read_line, lambda text: None, again=True)
    assert feedback.all_right
    assert prompts == ["dout/da = ", "dout/db = ", "that is no number (type one such as -0.5 or 1/3); dout/db = "]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(level=st.sampled_from(sorted(LEVELS)), seed=st.integers(0, 10**6), pick=st.integers(0, 20),
       offset=st.sampled_from([-1.0, 0.5, 2.0, 10.0]))  # fmt: skip
def test_exactly_the_changed_answer_is_wrong_and_its_diagnosis_is_named(level, seed, pick, offset):
    exercise = make_exercise(level, seed)
    answers = exercise_answers(exercise)
    name = exercise.asked[pick % len(exercise.asked)]
    answers[name] += offset
    feedback = check_answer(exercise, answers)
    wrong = [v for v in feedback.verdicts if not v.right]
    assert [v.name for v in wrong] == [name]
    assert wrong[0].mistake in ("local", "upstream", "second_path")
    assert wrong[0].message.startswith("wrong: you wrote")
    assert name in feedback.explanations and "worked steps" in str(feedback)


# ------------------------------------------- every sentence, checked against the graph

from explain_examples import check_written_formulas  # noqa: E402

SINGLE_LETTERS = re.compile(r"(?<![\w./])([a-z])(?![\w(])")


def mistakes(exercise):
    """Answers with one kind of mistake at one node: every node, every kind the checker names."""
    right = exercise_answers(exercise)
    root = exercise.root
    order = topological_order(root)
    names = node_names(order)
    by_name = {names[node]: node for node in order}
    grads = dict(right, **{names[root]: 1.0})
    for name in exercise.asked:
        node = by_name[name]
        users = [(user, local) for user in order for p, local in zip(user.parents, user.local_grads) if p is node]
        for offset in (-1.0, 0.5, 3.0):
            yield dict(right, **{name: right[name] + offset})
        for user, local in users:
            yield dict(right, **{name: local})  # only the local derivative
            yield dict(right, **{name: grads[names[user]]})  # the upstream passed through
            yield dict(right, **{name: grads[names[user]] * local})  # one path of several
            if user is not root:  # a wrong grad above, carried down consistently, or not
                wrong = grads[names[user]] + 2.0
                yield dict(right, **{names[user]: wrong, name: wrong * local})
                yield dict(right, **{names[user]: wrong, name: right[name] - 5.0})
        yield dict(right, **{name: ""})
        yield dict(right, **{name: "half"})


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_every_feedback_sentence_uses_the_exercises_names_and_true_formulas(level):
    checked = 0
    for seed in range(25):
        exercise = make_exercise(level, seed)
        own = set(node_names(topological_order(exercise.root)).values())
        for answers in mistakes(exercise):
            feedback = check_answer(exercise, answers)
            texts = [v.message for v in feedback.verdicts] + list(feedback.explanations.values())
            for text in texts:
                # every dX/dY = formula = number is the graph's: the stated local derivative
                # is the engine's local_grad on that edge, every total its grad
                checked += check_written_formulas(text, exercise.root)
                # no letter from a template: a lone letter is one of the exercise's names
                strangers = set(SINGLE_LETTERS.findall(text)) - own
                assert not strangers, (exercise.expression, strangers, text)
                # no broken sentences
                assert not re.search(r": and|::|;;|\.\.|: \.|\S  |\( |[Tt]he upstream grad: ", text), text
            for verdict in feedback.verdicts:
                assert verdict.message.endswith((".", ")")) or verdict.message[-1].isdigit(), verdict.message
                if not verdict.right:
                    assert verdict.message[0].islower() and ". " in verdict.message or verdict.mistake in (
                        "missing", "not_a_number")
    assert checked > 500


def test_the_feedback_of_the_issue_reads_right():
    exercise = make_exercise(3, 1)  # out = (a + b) * a: the template's a, b would clash here
    feedback = check_answer(exercise, {"add1": 1, "b": -1, "a": -3})
    assert feedback.verdicts[0].message == (
        "wrong: you wrote 1.0, it is -1.0. Right below the output the upstream grad is dout/dout = 1, so "
        "dout/dadd1 is the local derivative itself: dout/dadd1 = a = -1.0 (out = add1 * a, and the derivative "
        "of the product with respect to one factor is the other factor).")
    feedback = check_answer(exercise, {"add1": 2, "b": 7, "a": -4})
    assert feedback.verdicts[1].message == (
        "wrong: you wrote 7.0, it is -1.0. The upstream grad it builds on is wrong too: you wrote 2.0 for "
        "dout/dadd1, which should be -1.0; fix that one first. Then dout/db = dout/dadd1 * dadd1/db = "
        "(-1.0) * 1 = -1.0.")

"""One output limit per render, whether the template writes into a block or straight out."""

import pytest

from outreach.email_templates import SAMPLE_CONTEXT, TemplateProblem, render

CAPTURED = "{% set kept %}{% for i in range(150) %}" + "x" * 1000 + "{% endfor %}{% endset %}"


def plain(lines: int) -> str:
    return "{% for i in range(" + str(lines) + ") %}" + "y" * 1000 + "{% endfor %}"


def test_block_and_plain_output_together_past_the_limit_are_refused():
    # Given a template writing 150,000 characters into a block and 100,000 straight out
    source = CAPTURED + "\n" + plain(100)
    # When it is rendered, then the two count together against the 200,000 limit
    with pytest.raises(TemplateProblem) as problem:
        render(source, SAMPLE_CONTEXT)
    assert "longer than 200,000 characters" in problem.value.message
    assert problem.value.line == 2


def test_block_and_plain_output_within_the_limit_render():
    # Given the same block, and 40,000 characters written straight out
    html = render(CAPTURED + plain(40), SAMPLE_CONTEXT)
    # Then the email is what was written out
    assert html == "y" * 40_000

"""User-authored templates: sandboxed, strict, and rejected at save time with the line."""

import pytest

from outreach.email_templates import SAMPLE_CONTEXT, TemplateProblem, check, render


def test_a_good_template_renders_with_the_partner_details():
    html = render("<p>Hi {{ partner.first_name }} from {{ partner.company }}</p>", SAMPLE_CONTEXT)
    assert html == "<p>Hi Jamie from Trail Notes</p>"


def test_html_templates_escape_partner_supplied_text():
    context = {**SAMPLE_CONTEXT, "partner": {"first_name": "<script>x</script>"}}
    assert render("{{ partner.first_name }}", context) == "&lt;script&gt;x&lt;/script&gt;"
    assert render("{{ partner.first_name }}", context, html=False) == "<script>x</script>"


def test_a_syntax_error_is_reported_with_its_line():
    with pytest.raises(TemplateProblem) as problem:
        check("Hello\n\n{% if partner.name %}unclosed")
    assert problem.value.line == 3


def test_an_unknown_variable_is_reported_with_its_line():
    with pytest.raises(TemplateProblem) as problem:
        check("Hello {{ partner.first_name }},\nyour code is {{ coupon }}")
    assert problem.value.line == 2
    assert "unknown variable 'coupon'" in problem.value.message


def test_an_unknown_attribute_is_reported_with_its_line():
    with pytest.raises(TemplateProblem) as problem:
        check("Hi\n{{ partner.first_nmae }}")
    assert problem.value.line == 2
    assert "first_nmae" in problem.value.message


@pytest.mark.parametrize(
    "attack",
    [
        "{{ partner.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% set x = partner.update({'name': 'pwned'}) %}{{ x }}",
    ],
)
def test_reaching_python_internals_is_refused(attack):
    with pytest.raises(TemplateProblem):
        check(attack)

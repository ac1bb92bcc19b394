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


HOSTILE_TEMPLATES = [
    ("{{ partner.name * 100000000 }}", "longer than 10,000"),
    ("{{ 'x' * 10**9 }}", "longer than 10,000"),
    ("{{ 2 ** 100000 }}", "exponent 100000 is too large"),
    ("{% for i in range(10**9) %}{% endfor %}", "range() go past 10,000"),
    ("{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}",
     "range() go past 10,000"),
    ("{% for i in range(9000) %}{{ partner.name * 800 }}{% endfor %}",
     "longer than 200,000 characters"),
    ("{{ 1 / 0 }}", "division by zero"),
    ("{{ partner.name + 1 }}", "can only concatenate"),
    ("{{ partner.name | nosuchfilter }}", "No filter named 'nosuchfilter'"),
]


@pytest.mark.parametrize(("source", "message"), HOSTILE_TEMPLATES)
def test_hostile_templates_are_refused_quickly_with_a_reason(source, message):
    import time

    started = time.perf_counter()
    with pytest.raises(TemplateProblem) as problem:
        check(source)

    assert message in str(problem.value)
    # The output cap is about the whole email, not a line.
    assert problem.value.line == (None if "200,000" in message else 1)
    assert time.perf_counter() - started < 2


def test_a_python_error_from_real_data_is_a_template_problem_at_render_time():
    # Passes the save-time check (the sample name is long enough), fails on a short name.
    source = "{{ partner.name[8] }}"
    check(source)

    with pytest.raises(TemplateProblem):
        render(source, {**SAMPLE_CONTEXT, "partner": {**SAMPLE_CONTEXT["partner"], "name": "Al"}})

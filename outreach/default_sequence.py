"""The welcome sequence Rapport ships: three warm emails on day 0, 3 and 7."""

NAME = "Welcome to the program"

STEPS = [
    {
        "delay_days": 0,
        "subject": "Welcome to {{ client.program }}, {{ partner.first_name }}!",
        "html_body": """<p>Hi {{ partner.first_name }},</p>
<p>I'm {{ manager.first_name }}, and I look after {{ client.program }}.
I'm really glad {{ partner.company or "you" }} joined us.</p>
<p>Over the next few days I'll send you everything you need to get started: your tracking
links, the creatives that convert best, and how commissions are paid. If you'd rather
talk it through, just reply with a couple of times that suit you and I'll set up a short
onboarding call.</p>
<p>What kind of content are you planning{% if client.name %} for {{ client.name }}{% endif %}?
Knowing that helps me
send you the right material.</p>
<p>Talk soon,<br>{{ manager.name }}</p>""",
    },
    {
        "delay_days": 3,
        "subject": "Your {% if client.name %}{{ client.name }} {% endif %}links and the creatives "
                   "that convert",
        "html_body": """<p>Hi {{ partner.first_name }},</p>
<p>A quick follow-up with the practical bits. Your tracking links are in the partner
dashboard; deep links work on any {% if client.name %}{{ client.name }} {% endif %}page, so you
can link straight to the
products your audience cares about.</p>
<p>Three things our best partners do in their first month:</p>
<ul>
<li>one in-depth piece (a review, a comparison or a how-to) rather than a banner,</li>
<li>a link in the place readers already trust: your newsletter, description or resources page,</li>
<li>a note to me when it goes live, so I can share it with the brand team.</li>
</ul>
<p>If anything is unclear, reply here: it comes straight to me.</p>
<p>{{ manager.name }}</p>""",
    },
    {
        "delay_days": 7,
        "subject": "15 minutes to plan your first {% if client.name %}{{ client.name }} {% endif %}"
                   "promotion?",
        "html_body": """<p>Hi {{ partner.first_name }},</p>
<p>Partners who have a short onboarding call with me usually see their first sales
much sooner: we look at what works for your audience and I can often unlock things
that aren't in the dashboard, like exclusive codes, product samples or a commission
boost for a launch.</p>
<p>Would a short call this week or next suit you?
<a href="{{ booking_link }}">Pick a time that suits you</a> and the invitation lands in
your calendar at once, or reply with a couple of times and I'll send one.</p>
<p>Either way, I'm glad to have you on board.<br>{{ manager.name }}</p>""",
    },
]

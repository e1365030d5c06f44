"""The benchmark baseline switch: KYODO_PLAIN_COMPONENTS renders the kyodo_ui tags as plain HTML."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.test import override_settings

PAGE = Template(
    '{% load kyodo_ui %}{% field form.name %}{% alert "warning" id="w" title="注意" %}本文{% endalert %}'
    '{% empty_state "ありません。" id="none" %}'
)


class _Form(forms.Form):
    name = forms.CharField(label="氏名", help_text="全角で")


def test_components_render_the_design_system_markup():
    html = PAGE.render(Context({"form": _Form()}))
    assert 'class="kd-field' in html and 'aria-describedby="id_name-help"' in html
    assert 'class="kd-alert kd-alert--warning' in html and 'role="alert"' in html
    assert 'class="kd-empty" id="none"' in html


@override_settings(KYODO_PLAIN_COMPONENTS=True)
def test_plain_components_render_bare_html_with_the_same_content():
    html = PAGE.render(Context({"form": _Form()}))
    assert "kd-" not in html and "-check" not in html
    assert '<label for="id_name">氏名:</label><input type="text" name="name"' in html
    assert "<div>本文</div>" in html and "<p>ありません。</p>" in html

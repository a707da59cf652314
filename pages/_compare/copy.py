"""One-click copy of an answer's raw Markdown: a small button under each answer, and one script per run that holds
the finished answers' texts and copies the one clicked (the clipboard API, or the older copy command where the page
is not served over HTTPS or from this machine). Streamlit strips attributes from st.html, so the button names its
answer by a class."""

from __future__ import annotations

import html
import json

import streamlit as st

from llm_core.session.conversation import Conversation

# The icon is two overlapping sheets drawn by CSS (st.html drops an inline SVG; a symbol such as "⧉" is missing
# from common fonts and shows as a box).
COPY_ICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='black' "
    "stroke-width='2'%3E%3Crect x='9' y='9' width='12' height='12' rx='2'/%3E%3Cpath d='M5 15H4a1 1 0 0 1-1-1V4a1 1 "
    "0 0 1 1-1h10a1 1 0 0 1 1 1v1'/%3E%3C/svg%3E"
)
BUTTON_STYLE = (
    "<style>.sb-copy{font:inherit;font-size:.875rem;color:inherit;background:none;border:0;padding:.25rem .5rem;"
    "border-radius:.5rem;cursor:pointer;display:inline-flex;align-items:center;gap:.3rem}"
    ".sb-copy:hover{background:rgba(151,166,195,.15)}.sb-copy::before{content:'';width:.95em;height:.95em;"
    f'background:currentColor;-webkit-mask:url("{COPY_ICON}") center/contain no-repeat;'
    f'mask:url("{COPY_ICON}") center/contain no-repeat}}</style>'
)
COPY_SCRIPT = """<script>(() => {
  window.sbAnswers = Object.assign(window.sbAnswers || {}, %s);
  if (window.sbCopyReady) return;
  window.sbCopyReady = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".sb-copy");
    if (!button) return;
    const name = [...button.classList].find((c) => c.startsWith("sb-copy-"));
    const text = name && window.sbAnswers[name.slice(8)];
    if (text === undefined) return;
    const label = button.querySelector("span") || button;
    const done = () => { label.textContent = "Copied"; setTimeout(() => (label.textContent = "Copy"), 1500); };
    if (navigator.clipboard && window.isSecureContext) return void navigator.clipboard.writeText(text).then(done);
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    done();
  });
})();</script>"""


def copy_button(request_id: str) -> None:
    """The Copy button of one answer (its text is in the run's copy script)."""
    name = html.escape(request_id, quote=True)
    title = "Copy the answer's Markdown"
    st.html(f'<button type="button" class="sb-copy sb-copy-{name}" title="{title}"><span>Copy</span></button>')


def render_copy_script(c: Conversation) -> None:
    """The finished answers' texts for their Copy buttons, and the one click handler, as one element per run."""
    answers = [e.result for p in c.panes for e in p.exchanges]
    texts = {r.request_id: r.text for r in answers if r.done and r.text}
    if not texts:
        return
    payload = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")  # no text can close the script
    st.html(BUTTON_STYLE + COPY_SCRIPT % payload, unsafe_allow_javascript=True)

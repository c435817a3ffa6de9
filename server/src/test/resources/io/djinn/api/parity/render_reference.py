"""Writes NAME.<template>.txt for requests.json: each template rendered by jinja2 as transformers renders chat
templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, tojson as json.dumps(ensure_ascii=False)),
given the messages as vLLM hands them over: a null or missing content is no text; a string stays a string; text parts
are kept as a list when
the template loops over a message's content ("openai" format), else joined with a newline ("string" format).
Run from this directory with python3 (jinja2 installed): python3 render_reference.py"""
import json, re
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(
    x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
def raise_exception(message):
    raise TemplateError(message)
env.globals["raise_exception"] = raise_exception

TEMPLATES = {"qwen3_style": open("qwen3_style.jinja").read(),
             "djinn": open("../../../../../../main/resources/io/djinn/checkpoint/chat_template.jinja").read()}
LOOP = re.compile(r"\{%-?\s*for\s+\w+\s+in\s+[\w\[\]]+(\.content\b|\[\s*['\"]content['\"]\s*\])")

def vllm_messages(messages, parts_as_list):
    out = []
    for m in messages:
        m = dict(m)
        c = m.get("content")
        if c is None:
            c = []
        if isinstance(c, list):
            c = [{"type": "text", "text": p["text"]} for p in c] if parts_as_list else "\n".join(p["text"] for p in c)
        m["content"] = c
        out.append(m)
    return out

for case in json.load(open("requests.json")):
    for name, source in TEMPLATES.items():
        messages = vllm_messages(case["messages"], bool(LOOP.search(source)))
        text = env.from_string(source).render(messages=messages, tools=case.get("tools"), add_generation_prompt=True,
                                              bos_token="<s>", eos_token="</s>")
        with open(f"{case['name']}.{name}.txt", "w") as f:
            f.write(text)

"""Small diagrams for tests: one manager lane, a note form, and the piece of diagram code under test.

``note_process(...)`` builds start → [script task ``run_script``] → user task ``write_note``
(optionally multi-instance over a count or a collection, optionally per person or with instructions) → [timer event ``wait``] →
[gateway ``decide``: flow ``flow_checked`` when the condition holds, else ``flow_default``] → end,
so each kind of diagram code can be tried on its own.
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

NOTE_FORM_NAME = "note.schema.json"
NOTE_FORM = {"type": "object", "properties": {"note": {"type": "string", "title": "Note"}}, "required": ["note"]}
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
         'id="note_definitions" targetNamespace="http://bpmn.io/schema/bpmn">\n'
         '<bpmn:process id="note_process" name="Note process" isExecutable="true">\n')


def _user_task(cardinality: str | None = None, instructions: str | None = None, collection: str | None = None,
               assignee: str | None = None, pre_script: str | None = None) -> str:
    shown = (f"<spiffworkflow:instructionsForEndUser>{escape(instructions)}</spiffworkflow:instructionsForEndUser>"
             if instructions is not None else "")
    if pre_script is not None:
        shown += f"<spiffworkflow:preScript>{escape(pre_script)}</spiffworkflow:preScript>"
    loop = (f"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{escape(cardinality)}"
            "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>" if cardinality is not None else "")
    if collection is not None:
        loop = (f"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef>"
                '<bpmn:inputDataItem id="item" name="item" /></bpmn:multiInstanceLoopCharacteristics>')
    person = f'<spiffworkflow:property name="assignee" value="{assignee}" />' if assignee else ""
    return (f'<bpmn:userTask id="write_note" name="Write a note"><bpmn:extensionElements>{shown}'
            f'<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="{NOTE_FORM_NAME}" />'
            f"{person}</spiffworkflow:properties></bpmn:extensionElements>{{flows}}{loop}</bpmn:userTask>")


def note_process(script: str | None = None, condition: str | None = None, timer: str | None = None,
                 cardinality: str | None = None, instructions: str | None = None, collection: str | None = None,
                 assignee: str | None = None, pre_script: str | None = None) -> str:
    steps = [("start", '<bpmn:startEvent id="start">{flows}</bpmn:startEvent>')]
    if script is not None:
        steps.append(("run_script", f'<bpmn:scriptTask id="run_script">{{flows}}<bpmn:script>{escape(script)}'
                                    "</bpmn:script></bpmn:scriptTask>"))
    steps.append(("write_note", _user_task(cardinality, instructions, collection, assignee, pre_script)))
    if timer is not None:
        steps.append(("wait", '<bpmn:intermediateCatchEvent id="wait">{flows}<bpmn:timerEventDefinition '
                              f'id="wait_timer"><bpmn:timeDuration>{escape(timer)}</bpmn:timeDuration>'
                              "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"))
    if condition is not None:
        steps.append(("decide", '<bpmn:exclusiveGateway id="decide" default="flow_default">{flows}'
                                "</bpmn:exclusiveGateway>"))
    steps.append(("end", '<bpmn:endEvent id="end">{flows}</bpmn:endEvent>'))

    flows = [(f"flow_{a}", a, b, "") for (a, _), (b, _) in zip(steps, steps[1:], strict=False)]
    if condition is not None:
        flows[-1] = ("flow_checked", "decide", "end",
                     f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>")
        flows.append(("flow_default", "decide", "end", ""))
    nodes = []
    for element_id, template in steps:
        ends = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f, _s, t, _c in flows if t == element_id)
        ends += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f, s, _t, _c in flows if s == element_id)
        nodes.append(template.replace("{flows}", ends))
    edges = [f'<bpmn:sequenceFlow id="{f}" sourceRef="{s}" targetRef="{t}">{c}</bpmn:sequenceFlow>'
             for f, s, t, c in flows]
    lane = "".join(f"<bpmn:flowNodeRef>{element_id}</bpmn:flowNodeRef>" for element_id, _ in steps)
    return (_HEAD + f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_manager" name="manager">{lane}</bpmn:lane>'
            "</bpmn:laneSet>\n" + "\n".join(nodes + edges) + "\n</bpmn:process>\n</bpmn:definitions>\n")


def note_bundle_files(diagram: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(diagrams, forms) as ``load_bundle`` takes them."""
    return {"note.bpmn": diagram.encode()}, {NOTE_FORM_NAME: json.dumps(NOTE_FORM).encode()}


def looping_process(script: str, condition: str) -> str:
    """start → script task ``run_script`` → gateway ``again``: back to the script on flow ``flow_again``
    while ``condition`` holds, else on to the user task ``write_note`` → end. Each round is cheap enough
    for the restricted environment; hundreds of rounds in one step are not."""
    nodes = [
        '<bpmn:startEvent id="start"><bpmn:outgoing>f_start</bpmn:outgoing></bpmn:startEvent>',
        '<bpmn:scriptTask id="run_script"><bpmn:incoming>f_start</bpmn:incoming><bpmn:incoming>flow_again'
        f'</bpmn:incoming><bpmn:outgoing>f_check</bpmn:outgoing><bpmn:script>{escape(script)}</bpmn:script>'
        "</bpmn:scriptTask>",
        '<bpmn:exclusiveGateway id="again" default="f_done"><bpmn:incoming>f_check</bpmn:incoming>'
        "<bpmn:outgoing>flow_again</bpmn:outgoing><bpmn:outgoing>f_done</bpmn:outgoing></bpmn:exclusiveGateway>",
        _user_task(None, None).replace("{flows}", "<bpmn:incoming>f_done</bpmn:incoming>"
                                                  "<bpmn:outgoing>f_end</bpmn:outgoing>"),
        '<bpmn:endEvent id="end"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="run_script" />',
        '<bpmn:sequenceFlow id="f_check" sourceRef="run_script" targetRef="again" />',
        f'<bpmn:sequenceFlow id="flow_again" sourceRef="again" targetRef="run_script"><bpmn:conditionExpression>'
        f"{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>",
        '<bpmn:sequenceFlow id="f_done" sourceRef="again" targetRef="write_note" />',
        '<bpmn:sequenceFlow id="f_end" sourceRef="write_note" targetRef="end" />',
    ]
    lane = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ("start", "run_script", "again", "write_note", "end"))
    return (_HEAD + f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_manager" name="manager">{lane}</bpmn:lane>'
            "</bpmn:laneSet>\n" + "\n".join(nodes) + "\n</bpmn:process>\n</bpmn:definitions>\n")

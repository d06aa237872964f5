"""What changed between two versions of a form, as plain sentences (shown after Publish).

Steps are matched by key and fields by (step key, name): a renamed key reads as one removed and
one added, which is what it is to the answers already saved under the old name.
"""


def diff(old, new) -> list[str]:
    """Sentences for every step and field added, removed or changed from ``old`` to ``new``
    (engine Forms; ``old`` None for a first version). Empty when nothing a user sees changed."""
    if old is None:
        return [f'First version of "{new.title}".']
    lines = []
    if old.title != new.title:
        lines.append(f'Form title changed: "{old.title}" -> "{new.title}".')
    old_steps = {s.key: s for s in old.steps}
    new_steps = {s.key: s for s in new.steps}
    for step in new.steps:
        if step.key not in old_steps:
            lines.append(f'Step "{step.title}" added.')
    for step in old.steps:
        if step.key not in new_steps:
            lines.append(f'Step "{step.title}" removed.')
            continue
        lines.extend(_step_changes(step, new_steps[step.key], old, new))
    return lines


def _step_changes(old_step, new_step, old, new):
    lines = []
    if old_step.title != new_step.title:
        lines.append(f'Step "{old_step.title}" retitled "{new_step.title}".')
    if old_step.show_if != new_step.show_if:
        lines.append(f'Step "{new_step.title}": condition changed from '
                     f'{_condition(old, old_step.show_if)} to {_condition(new, new_step.show_if)}.')
    where = f'step "{new_step.title}"'
    old_fields = {f.name: f for f in old_step.fields}
    new_fields = {f.name: f for f in new_step.fields}
    for f in new_step.fields:
        if f.name not in old_fields:
            lines.append(f'Field "{_label(f)}" added to {where}.')
    lines.extend(f'Field "{_label(f)}" removed from {where}.'
                 for f in old_step.fields if f.name not in new_fields)
    for f in old_step.fields:
        if f.name in new_fields:
            lines.extend(_field_changes(f, new_fields[f.name], where, old, new))
    return lines


def _field_changes(a, b, where, old, new):
    name = f'Field "{_label(b)}" in {where}'
    lines = []
    if _label(a) != _label(b):
        lines.append(f'Field "{_label(a)}" in {where} relabelled "{_label(b)}".')
    if a.type != b.type:
        lines.append(f"{name}: type changed from {a.type} to {b.type}.")
    if a.required != b.required:
        lines.append(f"{name}: now {'required' if b.required else 'optional'}.")
    before, after = [o.label for o in a.options], [o.label for o in b.options]
    if before != after:
        added = [o for o in after if o not in before]
        removed = [o for o in before if o not in after]
        parts = ([f"added {', '.join(added)}"] if added else []) + \
                ([f"removed {', '.join(removed)}"] if removed else [])
        lines.append(f"{name}: options changed ({'; '.join(parts) or 'new order'}).")
    if a.show_if != b.show_if:
        lines.append(f"{name}: condition changed from {_condition(old, a.show_if)} to "
                     f"{_condition(new, b.show_if)}.")
    return lines


def _label(field) -> str:
    return field.label or field.text or field.name


def _condition(form, condition) -> str:
    if condition is None:
        return "always shown"
    label = condition.name
    for step in form.steps:
        if condition.step in (None, step.key):
            for f in step.fields:
                if f.name == condition.name:
                    label = _label(f)
    return f'shown when "{label}" is {" or ".join(condition.values)}'

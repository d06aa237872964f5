"""What an officer's case page lists of a child's casework: advice requests, forms, documents and
the latest messages, with the helpers its partials name them with. No request objects.
"""
from models import FormInstance, Message, User
from services.casework import advice, documents, messages, sharing
from services.kernel import clock, vocab


def casework(person, today):
    """What the case page's casework sections list: advice, forms, documents, messages."""
    forms = list(FormInstance.select(FormInstance, User)
                 .join(User, on=(FormInstance.author == User.id))
                 .where((FormInstance.person == person) & (FormInstance.status != "draft"))
                 .order_by(FormInstance.updated_at.desc(), FormInstance.id.desc()))
    sent = list(Message.select().where(Message.person == person)
                .order_by(Message.created_at.desc(), Message.id.desc()).limit(20))
    return {
        "today": today,
        "advice": advice.advice_rows(person, today),
        "documents": documents.documents_of(person),
        "forms": forms,
        "messages": sent,
        "form_title": messages.form_title,
        "status_labels": vocab.FORM_STATUS_LABELS,
        "kinds": messages.KINDS,
        "kind_label": documents.kind_label,
        "uk_time": clock.uk_time,
        "shared_with": sharing.shared_with,
        "has_accepted": any(f.status == "accepted" for f in forms),
    }

from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "tenants.assignments"
    label = "assignments"
    verbose_name = "業務配分"

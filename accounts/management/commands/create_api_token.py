from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import issue_api_token, set_coordinator


class Command(BaseCommand):
    help = "Print a new API token for a user (the token alone on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=Role.CHOICES, default=Role.PRACTITIONER)
        parser.add_argument(
            "--create", action="store_true", help="Create the user if they do not exist."
        )
        parser.add_argument("--name", default="command line")

    @transaction.atomic
    def handle(self, *args, email, role, create, name, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if not create:
                raise CommandError(f"No user with email {email}; add --create to make one.")
            user = User.objects.create_user(email)
            self.stdout.write(f"Created user {user.email}.")
        if role == Role.COORDINATOR:
            set_coordinator(user, coordinator=True, by=None)
        elif role == Role.TRAINER and not user.is_trainer:
            self.stdout.write(
                "Note: a trainer sees only the sessions they are assigned to; "
                "assign sessions in the admin."
            )
        self.stdout.write(f"API token for {user.email} ({role}):")
        self.stdout.write(issue_api_token(user, name=name))

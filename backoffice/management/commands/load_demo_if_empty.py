from django.core.management import call_command
from django.core.management.base import BaseCommand

from events.models import Programme


class Command(BaseCommand):
    help = "Load the demo data unless the database already has programmes (used by `make run`)."

    def handle(self, *args, **options):
        if Programme.objects.exists():
            self.stdout.write("Database already has programmes; demo data not loaded.")
            call_command("load_demo", "--sign-ins-only", stdout=self.stdout)
            return
        call_command("load_demo", stdout=self.stdout)

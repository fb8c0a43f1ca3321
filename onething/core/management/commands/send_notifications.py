import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from onething.core import notifications


class Command(BaseCommand):
    help = "发送到期的短信和邮件通知；--forever 作为常驻进程每隔 --interval 秒运行一次。"

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="常驻运行，不退出")
        parser.add_argument("--interval", type=int, default=30, help="常驻时每轮间隔（秒）")
        parser.add_argument("--limit", type=int, default=500, help="每轮最多处理条数")
        parser.add_argument(
            "--requeue-failed", action="store_true", help="先把发送失败的通知重新排队"
        )

    def handle(self, *args, **options):
        if options["requeue_failed"]:
            self.stdout.write(f"重新排队：{notifications.requeue_failed()} 条")
        while True:
            counts = notifications.deliver_pending(limit=options["limit"])
            if not options["forever"] or any(counts.values()):
                self.stdout.write(
                    f"已发送 {counts['sent']} 条，待重试 {counts['retried']} 条，"
                    f"失败 {counts['failed']} 条"
                )
            if not options["forever"]:
                return
            # A long-lived worker must not keep a connection the database has dropped.
            close_old_connections()
            try:
                time.sleep(max(1, options["interval"]))
            except KeyboardInterrupt:
                return

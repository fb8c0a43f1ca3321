import time

from django.conf import settings
from django.core.management.base import BaseCommand

from onething.demo.services import DEMO_ACCOUNTS, load_demo_district


class Command(BaseCommand):
    help = "载入演示区县（望城区）：区划、村社区、部门、工作日历、基础库和演示账号。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=20_000, help="人口库人数")
        parser.add_argument("--enterprises", type=int, default=3_000, help="法人库企业数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")

    def handle(self, *args, people, enterprises, seed, **options):
        started = time.perf_counter()
        report = load_demo_district(people=people, enterprises=enterprises, seed=seed)
        added = "，".join(f"{k} +{v}" for k, v in report.items())
        self.stdout.write(f"演示区县已就绪（{added}；{time.perf_counter() - started:.1f} 秒）")
        self.stdout.write("")
        self.stdout.write(
            f"演示账号（密码均为 {settings.ONETHING_DEMO_PASSWORD}，生产环境拒绝此密码）："
        )
        for account in DEMO_ACCOUNTS[:7]:
            unit = account.department or account.town or "—"
            self.stdout.write(f"  {account.username:<12} {account.role.label:<12} {unit}")
        self.stdout.write("")
        self.stdout.write(
            "门户 http://127.0.0.1:8000/   接口文档 http://127.0.0.1:8000/api/v1/docs"
        )

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from onething.core.errors import ServiceError
from onething.registries.loader import load_legal_entities, load_population


class Command(BaseCommand):
    help = (
        "载入合成的人口库和法人库（需先载入区划和村社区）。相同种子和规模再次运行不改动数据；"
        "种子或规模不同则替换。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=20_000, help="人口库人数")
        parser.add_argument("--enterprises", type=int, default=3_000, help="法人库企业数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
        parser.add_argument(
            "--asof",
            type=dt.date.fromisoformat,
            default=None,
            help="数据所处日期 YYYY-MM-DD（年龄、死亡等据此计算），默认今天",
        )

    def handle(self, *args, people, enterprises, seed, asof, **options):
        steps = (
            ("人口库", load_population, people),
            ("法人库", load_legal_entities, enterprises),
        )
        for label, load, size in steps:
            started = time.perf_counter()
            try:
                rows = load(seed=seed, size=size, asof=asof)
            except ServiceError as error:
                raise CommandError(error.message) from error
            seconds = time.perf_counter() - started
            if rows == 0 and size:
                self.stdout.write(f"{label}：已是种子 {seed}、规模 {size} 的数据，未改动")
            else:
                rate = f"，{rows / seconds:,.0f} 行/秒" if rows else ""
                self.stdout.write(f"{label}：载入 {rows} 行，用时 {seconds:.2f} 秒{rate}")

from django.core.management.base import BaseCommand, CommandError

from onething.core.errors import ServiceError
from onething.demo.simulator import ledger, simulate_year


class Command(BaseCommand):
    help = (
        "模拟演示区县一年的办件、评价和12345工单（写入数据库，按种子可重现）。"
        "每年只模拟一次；--replace 先删除该年的模拟数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="模拟的年份")
        parser.add_argument("--cases", type=int, default=260_000, help="办件数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
        parser.add_argument(
            "--replace", action="store_true", help="先删除该年已有的模拟数据，再重新模拟"
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="该年已模拟过时什么也不做（make run 用）"
        )
        parser.add_argument(
            "--lean",
            action="store_true",
            help="只写申请、办件、评价和工单，不写办件记录、文书和材料（规模测试用）",
        )

    def handle(self, *args, year, cases, seed, replace, if_missing, lean, **options):
        if if_missing and not replace and ledger(year):
            self.stdout.write(f"{year}年已有模拟数据，跳过（重新模拟请用 --replace）")
            return
        try:
            result = simulate_year(
                year=year, cases=cases, seed=seed, replace=replace, lean=lean,
                progress=self.stdout.write,
            )  # fmt: skip
        except ServiceError as error:
            if if_missing and error.code == "no_working_days":
                self.stdout.write(f"{error.message}，跳过")
                return
            raise CommandError(error.message) from error
        stats = result.stats
        total = result.cases or 1
        self.stdout.write(
            f"{year}年模拟完成：{result.applications:,} 份申请，{result.cases:,} 个办件，"
            f"{result.seconds:.1f} 秒（{result.cases_per_second:,.0f} 件/秒）"
        )
        shares = "，".join(
            f"{label} {stats.get(key, 0) / total:.1%}"
            for label, key in (
                ("补正", "request-correction"),
                ("不予受理", "refuse"),
                ("不予许可", "deny"),
                ("撤回", "withdraw"),
                ("视为受理", "deem-accept"),
            )
        )
        ratings = sum(
            v for k, v in stats.items() if k.startswith("ratings.") and k != "ratings.negative"
        )
        self.stdout.write(
            f"  {shares}；评价 {ratings:,} 条（差评 {stats.get('ratings.negative', 0):,}），"
            f"12345工单 {stats.get('tickets', 0):,} 件"
        )

"""Benchmark `onboarding`: median time to provision one town from the template schema, with 50 towns
already present, against `migrate_schemas` of one new schema measured in the same run."""

from __future__ import annotations

import argparse

from .common import django_ready, emit, median_time, scratch_database, town_codes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks onboarding")
    parser.add_argument("--existing", type=int, default=50, help="towns present before measuring")
    parser.add_argument("--samples", type=int, default=15, help="provisions to time")
    parser.add_argument("--baseline-samples", type=int, default=3)
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from kyodo.tenancy import services, template
        from kyodo.tenancy.db import use_public_schema

        codes = town_codes(args.existing + args.samples + args.baseline_samples)
        for code in [next(codes) for _ in range(args.existing)]:
            services.municipality_provision(actor=None, code=code, name=f"町{code}", name_kana="マチ")
        template.template_script()  # the capture is paid once per migration state; not part of a provision

        samples_codes = [next(codes) for _ in range(args.samples)]
        it = iter(samples_codes)
        provision_median, provision_samples = median_time(
            lambda: services.municipality_provision(actor=None, code=next(it), name="計測町", name_kana="ケイソクチョウ"),
            args.samples,
        )

        baseline_codes = iter([next(codes) for _ in range(args.baseline_samples)])

        def by_migrations():
            template.schema_create_by_migrations(f"town_{next(baseline_codes)}")

        baseline_median, _ = median_time(by_migrations, args.baseline_samples)
        use_public_schema()

    emit("onboarding", "provision_median_s", provision_median, "s", baseline_median,
         baseline_median / provision_median, existing_towns=args.existing, samples=args.samples,
         max_s=round(max(provision_samples), 4), goal="<=0.5 s and >=10x baseline")
    return 0

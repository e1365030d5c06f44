"""国民健康保険 (National Health Insurance): 資格 (eligibility), the once-only cascade from the residents registry."""

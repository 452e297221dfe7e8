"""fcctl: declarative deploys, rollouts and local lifecycle-hook checks for Alibaba Cloud
Function Compute 3.0."""

__version__ = "0.1.0"

import boto3


def list_buckets():
    """Return the names of all S3 buckets of the account."""
    client = boto3.client("s3", region_name="us-east-1")  # credentials from the environment or IAM role
    return [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]

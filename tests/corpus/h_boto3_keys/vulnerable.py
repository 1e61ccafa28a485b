import boto3


def list_buckets():
    """Return the names of all S3 buckets of the account."""
    client = boto3.client(
        "s3",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region_name="us-east-1",
    )
    return [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]

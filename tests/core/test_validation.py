"""The argument checks shared by the library (mlp_lib.validation)."""

import json

import pytest

from mlp_lib.validation import parse_json_limited


def test_parse_json_limited_ignores_brackets_inside_strings():
    text = json.dumps({"a": '[[[[[[[[[[{{{{{{\\"[[[['})
    assert parse_json_limited(text, max_chars=100, max_depth=1) == json.loads(text)
    with pytest.raises(ValueError, match="expected a thing nested at most 1 levels deep, got 2 levels at character 6"):
        parse_json_limited('{"a": [1]}', max_chars=100, max_depth=1, what="a thing")

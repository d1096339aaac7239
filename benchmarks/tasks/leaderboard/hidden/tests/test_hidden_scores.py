from arcade.scores import top_scores


def test_top_two():
    assert top_scores({"x": 5, "y": 9, "z": 1}, n=2) == [("y", 9), ("x", 5)]


def test_top_one():
    assert top_scores({"a": 1, "b": 3, "c": 2}, n=1) == [("b", 3)]


def test_ties_by_name():
    assert top_scores({"bob": 7, "amy": 7, "cal": 3}, n=2) == [("amy", 7), ("bob", 7)]

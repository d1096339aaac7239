from arcade.scores import top_scores


def test_empty_table():
    assert top_scores({}) == []


def test_best_first():
    scores = {"ann": 50, "bob": 90, "cid": 70, "dee": 10}
    assert top_scores(scores) == [("bob", 90), ("cid", 70), ("ann", 50)]

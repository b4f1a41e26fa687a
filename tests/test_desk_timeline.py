"""kg.desk.timeline: dated events in order, precision as written, undated events kept apart."""

from desk_fixtures import real, real_catalog, small  # noqa: F401 (fixtures)

from kg.desk.timeline import build_timeline


def entry(timeline, path):
    return next(e for e in timeline.entries + timeline.undated if e.node.id == path)


def test_order_dated_then_ordered_and_undated_apart():
    timeline = build_timeline(small())
    assert [e.node.id for e in timeline.entries] == [
        "event/2017-05-meeting", "event/carol-follows-up", "event/2017-06-secret-meeting"]
    assert entry(timeline, "event/carol-follows-up").how_placed == "ordered"
    assert "after “Alice meets Bob” (early May 2017)" in entry(timeline, "event/carol-follows-up").date_label
    assert {e.node.id for e in timeline.undated} == {
        "event/nothing-known", "event/alice-on-weather", "event/carol-on-weather"}
    assert all(e.date_label == "not dated in the article" for e in timeline.undated)


def test_filters_by_person_type_and_status():
    timeline = build_timeline(small())
    carol = timeline.filtered(person="person/carol")
    assert {e.node.id for e in carol.entries + carol.undated} == {
        "event/2017-06-secret-meeting", "event/carol-follows-up", "event/carol-on-weather"}
    alleged = timeline.filtered(status="alleged")
    assert [e.node.id for e in alleged.entries] == ["event/2017-06-secret-meeting"] and not alleged.undated
    meetings = timeline.filtered(event_type="Meeting")
    assert len(meetings.entries) == 2 and not meetings.undated


def test_real_timeline_draws_precision_as_written(real):
    timeline = build_timeline(real)
    oval = entry(timeline, "event/2017-05-oval-office-meeting")
    assert oval.date_label == "early May 2017" and oval.how_placed == "dated"
    (year, left, width), = oval.bars
    assert year == 2017 and width < 3  # ten days, not the month
    dossier = entry(timeline, "event/2016-comey-receives-dossier")
    assert dossier.date_label == "summer of 2016" and dossier.when.first.month == 6 and dossier.when.last.month == 8
    golf = entry(timeline, "event/2014-dodson-eric-trump-conversation")
    assert golf.bars == [(2014, 0.0, 100.0)]
    testimony = entry(timeline, "event/2017-03-comey-house-intelligence-testimony")
    assert testimony.date_label == "Two months later (March 2017)"  # the article's words, then ours


def test_real_timeline_is_in_order_and_keeps_statuses(real):
    timeline = build_timeline(real)
    keys = [e.when.sort_key() for e in timeline.entries]
    assert keys == sorted(keys)
    meal = entry(timeline, "event/2017-01-comey-trump-private-meal")
    assert meal.statuses == ("alleged",)
    contacts = entry(timeline, "event/2016-trump-campaign-russian-contacts")
    assert contacts.statuses == ("alleged", "denied")
    advisor = entry(timeline, "event/kushner-senior-advisor-appointment")
    assert advisor.how_placed == "ordered" and advisor.date_label.startswith("not dated; after “Trump's inauguration”")
    assert len(timeline.entries) + len(timeline.undated) == sum(1 for n in real.nodes.values() if n.is_event)


def test_real_timeline_person_filter(real):
    timeline = build_timeline(real).filtered(person="person/sergey-kislyak")
    assert {e.node.id for e in timeline.entries} == {
        "event/2016-12-flynn-kislyak-conversation", "event/2017-05-oval-office-meeting",
        "event/2017-05-trump-discloses-islamic-state-intelligence"}
    choices = build_timeline(real).choices(real)
    assert ("person/donald-trump", "Donald Trump") in choices["person"]
    assert ("alleged", "alleged") in choices["status"]

import zipfile

import nbformat
import pytest
from nbformat.v4 import new_notebook

from grader import collect, course


def test_collects_lms_zip_and_folders_and_reports_the_rest(tmp_path):
    root = tmp_path / "course"
    (root / "source" / "quiz").mkdir(parents=True)
    nbformat.write(new_notebook(), root / "source" / "quiz" / "Case_Studies_Quiz.ipynb")
    download = tmp_path / "download.zip"
    notebook = nbformat.writes(new_notebook())
    with zipfile.ZipFile(download, "w") as packed:
        packed.writestr("ada_12345_1_Case_Studies_Quiz.ipynb", notebook)  # Canvas style
        packed.writestr("grace/Case_Studies_Quiz.ipynb", notebook)  # one folder per student
        packed.writestr("grace/copy_of_quiz.ipynb", notebook)  # a second file: reported, not used
        packed.writestr("Case Studies Quiz.ipynb", notebook)  # no student id
    result = collect.collect(root, "quiz", download)
    assert sorted(result.collected) == ["ada", "grace"]
    assert len(result.skipped) == 2
    for student in ("ada", "grace"):
        folder = root / "submitted" / student / "quiz"
        assert (folder / "Case_Studies_Quiz.ipynb").is_file() and (folder / "timestamp.txt").is_file()
    assert course.notebook_name(root, "quiz") == "Case_Studies_Quiz.ipynb"


def test_cli_reports_missing_source(tmp_path, capsys):
    from grader import cli

    code = cli.main(["collect", "quiz", "--from", str(tmp_path / "nothing"), "--course", str(tmp_path)])
    assert code == 2 and "neither a folder nor a zip" in capsys.readouterr().err


def test_links_in_a_folder_of_submissions_are_reported_not_read(tmp_path):
    root = tmp_path / "course"
    (root / "source" / "quiz").mkdir(parents=True)
    nbformat.write(new_notebook(), root / "source" / "quiz" / "Case_Studies_Quiz.ipynb")
    (tmp_path / "secret.ipynb").write_text("the grader's own file")
    (tmp_path / "inbox" / "mallory").mkdir(parents=True)
    (tmp_path / "inbox" / "mallory" / "quiz.ipynb").symlink_to(tmp_path / "secret.ipynb")
    result = collect.collect(root, "quiz", tmp_path / "inbox")
    assert result.collected == [] and result.skipped == [
        "mallory/quiz.ipynb: a symbolic link, not a plain notebook file"
    ]
    assert not (root / "submitted" / "mallory").exists()


def test_every_command_honours_or_refuses_course(tmp_path, capsys):
    from grader import cli

    assert cli.main(["prepare-data", "--course", str(tmp_path)]) == 2
    assert "takes no --course" in capsys.readouterr().out
    (tmp_path / "source" / "quiz").mkdir(parents=True)
    dirty = new_notebook(cells=[nbformat.v4.new_code_cell("1", execution_count=1)])
    nbformat.write(dirty, tmp_path / "source" / "quiz" / "Quiz.ipynb")
    assert cli.main(["check-notebooks", "--course", str(tmp_path)]) == 1
    assert f"{tmp_path}/source/quiz/Quiz.ipynb: cell 0 has outputs" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_runs_in_the_course_it_is_given(tmp_path, prepared_data):
    from grader import cli

    repo_course = course.COURSE
    before = {p: p.stat().st_mtime_ns for p in repo_course.glob("*") if p.name != "source"}
    assert cli.main(["demo", "quiz", "--course", str(tmp_path / "scratch")]) == 0
    assert (tmp_path / "scratch" / "autograded" / "solution" / "quiz").is_dir()
    assert (tmp_path / "scratch" / "reports" / "index.html").is_file()
    after = {p: p.stat().st_mtime_ns for p in repo_course.glob("*") if p.name != "source"}
    assert after == before, "nothing written into the repository's own course"

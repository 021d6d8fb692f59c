// Tollgate's only use of KSyntaxHighlighting: the C interface of include/CHighlight.h.
// No Qt type crosses it; Swift calls it from Sources/TollgateHighlight/CLibraries.swift.
// No QCoreApplication is needed: a Repository reads the definitions compiled into the
// library and those under QStandardPaths, neither of which needs one (checked with 5.103,
// from many threads at once, each with its own tg_highlighter).

#include "CHighlight.h"

#include <KF5/KSyntaxHighlighting/KSyntaxHighlighting/AbstractHighlighter>
#include <KF5/KSyntaxHighlighting/KSyntaxHighlighting/Definition>
#include <KF5/KSyntaxHighlighting/KSyntaxHighlighting/Format>
#include <KF5/KSyntaxHighlighting/KSyntaxHighlighting/Repository>
#include <KF5/KSyntaxHighlighting/KSyntaxHighlighting/State>
#include <KF5/KSyntaxHighlighting/KSyntaxHighlighting/Theme>
#include <KF5/KSyntaxHighlighting/ksyntaxhighlighting_version.h>

#include <QString>
#include <QStringList>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace {

using KSyntaxHighlighting::Theme;

// The CSS class of each text style; Normal text gets no span. The theme's stylesheet
// colours these classes (Sources/TollgateSite/Resources/theme/assets/tollgate.css).
const char *classOf(Theme::TextStyle style) {
    switch (style) {
    case Theme::Normal: return nullptr;
    case Theme::Keyword: return "hl-kw";
    case Theme::Function: return "hl-fn";
    case Theme::Variable: return "hl-va";
    case Theme::ControlFlow: return "hl-cf";
    case Theme::Operator: return "hl-op";
    case Theme::BuiltIn: return "hl-bi";
    case Theme::Extension: return "hl-ex";
    case Theme::Preprocessor: return "hl-pp";
    case Theme::Attribute: return "hl-at";
    case Theme::Char: return "hl-ch";
    case Theme::SpecialChar: return "hl-sc";
    case Theme::String: return "hl-st";
    case Theme::VerbatimString: return "hl-vs";
    case Theme::SpecialString: return "hl-ss";
    case Theme::Import: return "hl-im";
    case Theme::DataType: return "hl-ty";
    case Theme::DecVal: return "hl-dv";
    case Theme::BaseN: return "hl-bn";
    case Theme::Float: return "hl-fl";
    case Theme::Constant: return "hl-cn";
    case Theme::Comment: return "hl-co";
    case Theme::Documentation: return "hl-do";
    case Theme::Annotation: return "hl-an";
    case Theme::CommentVar: return "hl-cv";
    case Theme::RegionMarker: return "hl-rm";
    case Theme::Information: return "hl-in";
    case Theme::Warning: return "hl-wa";
    case Theme::Alert: return "hl-al";
    case Theme::Error: return "hl-er";
    case Theme::Others: return "hl-ot";
    }
    return nullptr;
}

void appendEscaped(std::string &out, const QString &text) {
    const QByteArray bytes = text.toUtf8();
    for (char c : bytes) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
}

// Writes each line as escaped text with spans; neighbouring runs of one class share a span.
class HTMLHighlighter final : public KSyntaxHighlighting::AbstractHighlighter {
public:
    void highlight(const QString &code, std::string &out) {
        KSyntaxHighlighting::State state;
        const QStringList lines = code.split(QLatin1Char('\n'));
        for (int index = 0; index < lines.size(); ++index) {
            if (index > 0) out += '\n';
            line_ = &lines[index];
            covered_ = 0;
            runClass_ = nullptr;
            run_.clear();
            out_ = &out;
            state = highlightLine(*line_, state);
            if (covered_ < line_->size()) append(covered_, line_->size() - covered_, nullptr);
            flush();
        }
    }

protected:
    void applyFormat(int offset, int length, const KSyntaxHighlighting::Format &format) override {
        if (length <= 0 || offset < covered_) return;
        if (offset > covered_) append(covered_, offset - covered_, nullptr);
        append(offset, length, format.isValid() ? classOf(format.textStyle()) : nullptr);
    }

private:
    void append(int offset, int length, const char *cssClass) {
        if (cssClass != runClass_) {
            flush();
            runClass_ = cssClass;
        }
        run_ += line_->mid(offset, length);
        covered_ = offset + length;
    }

    void flush() {
        if (run_.isEmpty()) return;
        // Whitespace alone looks the same in every colour: it joins no span.
        if (runClass_ && !run_.trimmed().isEmpty()) {
            *out_ += "<span class=\"";
            *out_ += runClass_;
            *out_ += "\">";
            appendEscaped(*out_, run_);
            *out_ += "</span>";
        } else {
            appendEscaped(*out_, run_);
        }
        run_.clear();
    }

    const QString *line_ = nullptr;
    std::string *out_ = nullptr;
    int covered_ = 0;
    const char *runClass_ = nullptr;
    QString run_;
};

char *copyOut(const std::string &text, size_t *length) {
    char *buffer = static_cast<char *>(std::malloc(text.size() + 1));
    if (!buffer) return nullptr;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    if (length) *length = text.size();
    return buffer;
}

}  // namespace

struct tg_highlighter {
    KSyntaxHighlighting::Repository repository;
    HTMLHighlighter highlighter;
};

extern "C" {

tg_highlighter *tg_highlighter_create(void) {
    return new (std::nothrow) tg_highlighter();
}

void tg_highlighter_destroy(tg_highlighter *highlighter) {
    delete highlighter;
}

char *tg_highlighter_resolve(tg_highlighter *highlighter, const char *name, size_t length) {
    const QString wanted = QString::fromUtf8(name, static_cast<int>(length)).trimmed();
    if (wanted.isEmpty()) return nullptr;
    KSyntaxHighlighting::Definition found = highlighter->repository.definitionForName(wanted);
    if (!found.isValid()) {
        for (const auto &definition : highlighter->repository.definitions()) {
            if (!definition.isHidden() && definition.name().compare(wanted, Qt::CaseInsensitive) == 0) {
                found = definition;
                break;
            }
        }
    }
    if (!found.isValid() && !wanted.contains(QLatin1Char('/')) && !wanted.contains(QLatin1Char('*'))) {
        found = highlighter->repository.definitionForFileName(QStringLiteral("file.") + wanted);
    }
    if (!found.isValid() || found.isHidden()) return nullptr;
    return copyOut(found.name().toStdString(), nullptr);
}

char *tg_highlighter_highlight(
    tg_highlighter *highlighter, const char *definition, size_t definition_length,
    const char *code, size_t code_length, size_t *result_length) {
    const auto found = highlighter->repository.definitionForName(
        QString::fromUtf8(definition, static_cast<int>(definition_length)));
    if (!found.isValid()) return nullptr;
    highlighter->highlighter.setDefinition(found);
    std::string out;
    out.reserve(code_length * 2);
    highlighter->highlighter.highlight(QString::fromUtf8(code, static_cast<int>(code_length)), out);
    return copyOut(out, result_length);
}

char *tg_highlighter_definition_names(tg_highlighter *highlighter) {
    QStringList names;
    for (const auto &definition : highlighter->repository.definitions()) {
        if (!definition.isHidden()) names.append(definition.name());
    }
    names.sort();
    return copyOut(names.join(QLatin1Char('\n')).toStdString(), nullptr);
}

const char *tg_highlight_library_version(void) {
    return SyntaxHighlighting_VERSION_STRING;
}

void tg_highlight_free(char *string) {
    std::free(string);
}

}

#include "torchscriptcode.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace nodus::torchscript {

namespace {

// Bounds against hostile files; torch's own output stays far below them.
constexpr std::size_t kMaxFileBytes = 8u << 20;
constexpr std::size_t kMaxTokens = 2u << 20;
constexpr std::size_t kMaxStringBytes = 64u << 10;
constexpr std::size_t kMaxItems = 1u << 16; // elements of one literal list or call
constexpr int kMaxDepth = 64; // nested expressions and blocks
constexpr int kMaxIndentLevels = 64;
// Height of one expression tree: what the graph builder recurses through.
constexpr int kMaxHeight = 256;

struct Token {
    enum class Kind { Name, Int, Float, String, Op, Newline, Indent, Dedent, End };
    Kind kind = Kind::End;
    std::string text; // Name, Op, String (decoded)
    std::int64_t integer = 0;
    double real = 0;
    int line = 0;
};

class Lexer {
public:
    Lexer(std::string_view text, const std::string& file)
        : text_(text)
        , file_(file)
    {
    }

    std::vector<Token> run()
    {
        if (text_.size() > kMaxFileBytes)
            fail(1, "the file is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
        std::vector<int> indents { 0 };
        bool lineStart = true;
        while (pos_ < text_.size()) {
            if (tokens_.size() > kMaxTokens)
                fail(line_, "the file has more than " + std::to_string(kMaxTokens) + " tokens");
            if (lineStart && depth_ == 0) {
                int width = 0;
                while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
                    width += text_[pos_] == '\t' ? 8 - width % 8 : 1;
                    ++pos_;
                }
                if (pos_ >= text_.size())
                    break;
                const char c = text_[pos_];
                if (c == '\n' || c == '\r' || c == '#') {
                    skipLine();
                    continue;
                }
                lineStart = false;
                if (width > indents.back()) {
                    if (indents.size() >= kMaxIndentLevels)
                        fail(line_, "blocks nest deeper than " + std::to_string(kMaxIndentLevels) + " levels");
                    indents.push_back(width);
                    push(Token::Kind::Indent);
                } else {
                    while (width < indents.back()) {
                        indents.pop_back();
                        push(Token::Kind::Dedent);
                    }
                    if (width != indents.back())
                        fail(line_, "the indentation matches no outer block");
                }
            }
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\f') {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n')
                    ++pos_;
            } else if (c == '\r' || c == '\n') {
                if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')
                    ++pos_;
                ++pos_;
                if (depth_ == 0 && !tokens_.empty() && tokens_.back().kind != Token::Kind::Newline) {
                    push(Token::Kind::Newline);
                    lineStart = true;
                } else if (depth_ == 0) {
                    lineStart = true;
                }
                ++line_;
            } else if (c == '\\' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == '\n' || text_[pos_ + 1] == '\r')) {
                pos_ += text_[pos_ + 1] == '\r' && pos_ + 2 < text_.size() && text_[pos_ + 2] == '\n' ? 3 : 2;
                ++line_;
            } else if (isNameStart(c)) {
                const std::size_t begin = pos_;
                while (pos_ < text_.size() && isNameChar(text_[pos_]))
                    ++pos_;
                push(Token::Kind::Name, std::string(text_.substr(begin, pos_ - begin)));
            } else if (isDigit(c) || (c == '.' && pos_ + 1 < text_.size() && isDigit(text_[pos_ + 1]))) {
                number();
            } else if (c == '"' || c == '\'') {
                string(c);
            } else {
                op();
            }
        }
        if (!open_.empty())
            fail(open_.back().second, std::string("a '") + open_.back().first + "' is never closed");
        if (!tokens_.empty() && tokens_.back().kind != Token::Kind::Newline)
            push(Token::Kind::Newline);
        while (indents.size() > 1) {
            indents.pop_back();
            push(Token::Kind::Dedent);
        }
        push(Token::Kind::End);
        return std::move(tokens_);
    }

private:
    [[noreturn]] void fail(int line, const std::string& why) const { throw CodeError { file_, line, why }; }

    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    static bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
    static bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

    void push(Token::Kind kind, std::string text = {})
    {
        Token t;
        t.kind = kind;
        t.text = std::move(text);
        t.line = line_;
        tokens_.push_back(std::move(t));
    }

    void skipLine()
    {
        while (pos_ < text_.size() && text_[pos_] != '\n')
            ++pos_;
        if (pos_ < text_.size())
            ++pos_;
        ++line_;
    }

    void number()
    {
        const std::size_t begin = pos_;
        bool isFloat = false;
        while (pos_ < text_.size() && (isDigit(text_[pos_]) || text_[pos_] == '_'))
            ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '.') {
            isFloat = true;
            ++pos_;
            while (pos_ < text_.size() && isDigit(text_[pos_]))
                ++pos_;
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            std::size_t at = pos_ + 1;
            if (at < text_.size() && (text_[at] == '+' || text_[at] == '-'))
                ++at;
            if (at < text_.size() && isDigit(text_[at])) {
                isFloat = true;
                pos_ = at;
                while (pos_ < text_.size() && isDigit(text_[pos_]))
                    ++pos_;
            }
        }
        if (pos_ < text_.size() && isNameChar(text_[pos_]))
            fail(line_, "malformed number '" + std::string(text_.substr(begin, pos_ - begin + 1)) + "'");
        std::string digits;
        for (std::size_t k = begin; k < pos_; ++k)
            if (text_[k] != '_')
                digits += text_[k];
        if (digits.size() > 400)
            fail(line_, "a number literal of " + std::to_string(digits.size()) + " characters");
        Token t;
        t.line = line_;
        if (isFloat) {
            t.kind = Token::Kind::Float;
            t.real = std::strtod(digits.c_str(), nullptr);
        } else {
            t.kind = Token::Kind::Int;
            std::int64_t v = 0;
            for (char d : digits)
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d - '0', &v))
                    fail(line_,
                        "the integer literal " + digits.substr(0, 40) + (digits.size() > 40 ? "..." : "")
                            + " does not fit 64 bits");
            t.integer = v;
        }
        tokens_.push_back(std::move(t));
    }

    void string(char quote)
    {
        const int startLine = line_;
        const bool triple = pos_ + 2 < text_.size() && text_[pos_ + 1] == quote && text_[pos_ + 2] == quote;
        pos_ += triple ? 3 : 1;
        std::string out;
        for (;;) {
            if (pos_ >= text_.size())
                fail(startLine, "a string literal is not closed");
            const char c = text_[pos_];
            if (c == quote) {
                if (!triple) {
                    ++pos_;
                    break;
                }
                if (pos_ + 2 < text_.size() && text_[pos_ + 1] == quote && text_[pos_ + 2] == quote) {
                    pos_ += 3;
                    break;
                }
            }
            if ((c == '\n' || c == '\r') && !triple)
                fail(startLine, "a string literal runs past the end of its line");
            if (c == '\n')
                ++line_;
            if (c == '\\' && pos_ + 1 < text_.size()) {
                const char e = text_[pos_ + 1];
                pos_ += 2;
                switch (e) {
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case '0':
                    out += '\0';
                    break;
                case 'x': {
                    if (pos_ + 2 > text_.size())
                        fail(line_, "a \\x escape is cut short");
                    const std::string hex(text_.substr(pos_, 2));
                    char* end = nullptr;
                    const long v = std::strtol(hex.c_str(), &end, 16);
                    if (end != hex.c_str() + 2)
                        fail(line_, "a malformed \\x escape");
                    out += static_cast<char>(v);
                    pos_ += 2;
                    break;
                }
                case '\n':
                    ++line_;
                    break;
                default:
                    out += e;
                }
            } else {
                out += c;
                ++pos_;
            }
            if (out.size() > kMaxStringBytes)
                fail(startLine, "a string literal longer than " + std::to_string(kMaxStringBytes) + " bytes");
        }
        Token t;
        t.kind = Token::Kind::String;
        t.text = std::move(out);
        t.line = startLine;
        tokens_.push_back(std::move(t));
    }

    void op()
    {
        static const char* const three[] = { "**=", "//=", ">>=", "<<=", "..." };
        static const char* const two[] = { "==", "!=", "<=", ">=", "->", "//", "**", "<<", ">>",
            "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=" };
        const std::string_view rest = text_.substr(pos_);
        for (const char* t : three)
            if (rest.starts_with(t)) {
                pos_ += 3;
                push(Token::Kind::Op, t);
                return;
            }
        for (const char* t : two)
            if (rest.starts_with(t)) {
                pos_ += 2;
                push(Token::Kind::Op, t);
                return;
            }
        const char c = text_[pos_];
        if (std::string_view("()[]{},:.;=+-*/%<>&|^~@").find(c) == std::string_view::npos)
            fail(line_,
                "unexpected character "
                    + (c >= 32 && c < 127 ? "'" + std::string(1, c) + "'"
                                          : "0x" + std::to_string(static_cast<unsigned char>(c))));
        if (c == '(' || c == '[' || c == '{') {
            if (++depth_ > kMaxDepth)
                fail(line_, "brackets nest deeper than " + std::to_string(kMaxDepth) + " levels");
            open_.emplace_back(c, line_);
        } else if (c == ')' || c == ']' || c == '}') {
            const char opening = c == ')' ? '(' : c == ']' ? '[' : '{';
            if (depth_ == 0 || open_.back().first != opening)
                fail(line_, std::string("unbalanced '") + c + "'");
            --depth_;
            open_.pop_back();
        }
        ++pos_;
        push(Token::Kind::Op, std::string(1, c));
    }

    std::string_view text_;
    const std::string& file_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int depth_ = 0;
    std::vector<std::pair<char, int>> open_; // brackets not yet closed, with their lines
    std::vector<Token> tokens_;
};

class Parser {
public:
    Parser(std::vector<Token> tokens, const std::string& file)
        : tokens_(std::move(tokens))
        , file_(file)
    {
    }

    File run()
    {
        File out;
        out.name = file_;
        while (!at(Token::Kind::End)) {
            if (accept(Token::Kind::Newline))
                continue;
            if (isName("class")) {
                out.classes.push_back(classDef());
            } else if (isName("def")) {
                out.functions.push_back(functionDef());
            } else if (isName("import") || isName("from")) {
                // Older archives import the classes they use; names resolve
                // through the archive's files anyway.
                while (!at(Token::Kind::Newline) && !at(Token::Kind::End))
                    ++pos_;
            } else {
                (void)statement(); // "op_version_set = 1" and the like
            }
        }
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& why) const { throw CodeError { file_, peek().line, why }; }

    const Token& peek(std::size_t ahead = 0) const
    {
        const std::size_t at = std::min(pos_ + ahead, tokens_.size() - 1);
        return tokens_[at];
    }
    bool at(Token::Kind kind) const { return peek().kind == kind; }
    bool isOp(std::string_view op, std::size_t ahead = 0) const
    {
        return peek(ahead).kind == Token::Kind::Op && peek(ahead).text == op;
    }
    bool isName(std::string_view name) const { return peek().kind == Token::Kind::Name && peek().text == name; }
    bool accept(Token::Kind kind)
    {
        if (!at(kind))
            return false;
        ++pos_;
        return true;
    }
    bool acceptOp(std::string_view op)
    {
        if (!isOp(op))
            return false;
        ++pos_;
        return true;
    }
    bool acceptName(std::string_view name)
    {
        if (!isName(name))
            return false;
        ++pos_;
        return true;
    }
    static std::string describe(const Token& t)
    {
        switch (t.kind) {
        case Token::Kind::Name:
        case Token::Kind::Op:
            return "'" + t.text + "'";
        case Token::Kind::Int:
        case Token::Kind::Float:
            return "a number";
        case Token::Kind::String:
            return "a string";
        case Token::Kind::Newline:
            return "the end of the line";
        case Token::Kind::Indent:
            return "an indented block";
        case Token::Kind::Dedent:
            return "the end of a block";
        case Token::Kind::End:
            return "the end of the file";
        }
        return "a token";
    }
    void expectOp(std::string_view op)
    {
        if (!acceptOp(op))
            fail("expected '" + std::string(op) + "', found " + describe(peek()));
    }
    std::string expectName()
    {
        if (!at(Token::Kind::Name))
            fail("expected a name, found " + describe(peek()));
        return tokens_[pos_++].text;
    }
    void expectNewline()
    {
        if (!accept(Token::Kind::Newline) && !at(Token::Kind::End))
            fail("expected the end of the line, found " + describe(peek()));
    }

    struct DepthGuard {
        DepthGuard(Parser& p)
            : p(p)
        {
            if (++p.depth_ > kMaxDepth)
                p.fail("the code nests deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        ~DepthGuard() { --p.depth_; }
        Parser& p;
    };

    // Sets e's height from its children's, refusing trees too tall to walk.
    ExprPtr sealed(ExprPtr e)
    {
        int h = 0;
        for (const auto& item : e->items)
            h = std::max(h, item->height);
        for (const auto& [name, item] : e->keywords)
            h = std::max(h, item->height);
        e->height = h + 1;
        if (e->height > kMaxHeight)
            fail("an expression nests deeper than " + std::to_string(kMaxHeight) + " levels");
        return e;
    }

    ExprPtr make(Expr::Kind kind, int line)
    {
        auto e = std::make_unique<Expr>();
        e->kind = kind;
        e->line = line;
        return e;
    }

    Class classDef()
    {
        Class c;
        c.line = peek().line;
        ++pos_; // class
        c.name = expectName();
        if (acceptOp("(")) {
            if (!isOp(")"))
                (void)expressionList();
            expectOp(")");
        }
        expectOp(":");
        expectNewline();
        if (!accept(Token::Kind::Indent))
            fail("class " + c.name + " has no body");
        DepthGuard guard(*this);
        while (!accept(Token::Kind::Dedent) && !at(Token::Kind::End)) {
            if (accept(Token::Kind::Newline))
                continue;
            if (isName("def"))
                c.methods.push_back(functionDef());
            else
                (void)statement(); // __parameters__, typed attributes, __annotations__[...]
        }
        return c;
    }

    Function functionDef()
    {
        Function f;
        f.line = peek().line;
        ++pos_; // def
        f.name = expectName();
        expectOp("(");
        while (!isOp(")")) {
            if (f.params.size() >= kMaxItems)
                fail("function " + f.name + " has too many parameters");
            Param p;
            p.name = expectName();
            if (acceptOp(":"))
                p.annotation = expression();
            if (acceptOp("="))
                p.defaultValue = expression();
            f.params.push_back(std::move(p));
            if (!acceptOp(","))
                break;
        }
        expectOp(")");
        if (acceptOp("->"))
            (void)expression();
        expectOp(":");
        f.body = suite();
        return f;
    }

    Block suite()
    {
        Block block;
        if (!accept(Token::Kind::Newline)) {
            block.push_back(statement()); // a body on the same line
            return block;
        }
        if (!accept(Token::Kind::Indent))
            fail("expected an indented block");
        DepthGuard guard(*this);
        while (!accept(Token::Kind::Dedent) && !at(Token::Kind::End)) {
            if (accept(Token::Kind::Newline))
                continue;
            block.push_back(statement());
        }
        if (block.empty())
            fail("an empty block");
        return block;
    }

    Stmt statement()
    {
        Stmt s;
        s.line = peek().line;
        if (acceptName("if")) {
            s.kind = Stmt::Kind::If;
            s.value = expression();
            expectOp(":");
            s.body = suite();
            elseTail(s);
            return s;
        }
        if (acceptName("while")) {
            s.kind = Stmt::Kind::While;
            s.value = expression();
            expectOp(":");
            s.body = suite();
            return s;
        }
        if (acceptName("for")) {
            s.kind = Stmt::Kind::For;
            s.targets.push_back(targetList());
            if (!acceptName("in"))
                fail("expected 'in' in a for statement");
            s.value = expressionList();
            expectOp(":");
            s.body = suite();
            return s;
        }
        if (isName("def") || isName("class"))
            fail("a nested " + peek().text + " is not supported");
        if (isName("with") || isName("try") || isName("lambda") || isName("yield") || isName("global")
            || isName("nonlocal") || isName("del"))
            fail("the '" + peek().text + "' statement is not part of TorchScript's serialized code");
        if (acceptName("pass")) {
            s.kind = Stmt::Kind::Pass;
        } else if (acceptName("break")) {
            s.kind = Stmt::Kind::Break;
        } else if (acceptName("continue")) {
            s.kind = Stmt::Kind::Continue;
        } else if (acceptName("return")) {
            s.kind = Stmt::Kind::Return;
            if (!at(Token::Kind::Newline) && !at(Token::Kind::End) && !isOp(";"))
                s.value = expressionList();
        } else if (acceptName("raise")) {
            s.kind = Stmt::Kind::Raise;
            if (!at(Token::Kind::Newline) && !at(Token::Kind::End))
                s.value = expression();
        } else if (acceptName("assert")) {
            s.kind = Stmt::Kind::Assert;
            s.value = expression();
            if (acceptOp(","))
                (void)expression();
        } else {
            auto first = expressionList();
            if (acceptOp(":")) {
                // An annotation ("name : Type" in a class, "x : int = 3").
                (void)expression();
                if (acceptOp("=")) {
                    s.kind = Stmt::Kind::Assign;
                    s.targets.push_back(std::move(first));
                    s.value = expressionList();
                } else {
                    s.kind = Stmt::Kind::Pass;
                }
            } else if (isOp("=")) {
                s.kind = Stmt::Kind::Assign;
                s.targets.push_back(std::move(first));
                while (acceptOp("=")) {
                    auto next = expressionList();
                    if (isOp("="))
                        s.targets.push_back(std::move(next));
                    else
                        s.value = std::move(next);
                }
            } else if (peek().kind == Token::Kind::Op && peek().text.size() >= 2 && peek().text.back() == '='
                && peek().text != "==" && peek().text != "!=" && peek().text != "<=" && peek().text != ">=") {
                s.kind = Stmt::Kind::AugAssign;
                s.text = peek().text.substr(0, peek().text.size() - 1);
                ++pos_;
                s.targets.push_back(std::move(first));
                s.value = expressionList();
            } else {
                s.kind = Stmt::Kind::Expression;
                s.value = std::move(first);
            }
            for (const auto& t : s.targets)
                checkTarget(*t, 0);
        }
        if (acceptOp(";") && !at(Token::Kind::Newline))
            fail("several statements on one line are not supported");
        expectNewline();
        return s;
    }

    void checkTarget(const Expr& e, int depth)
    {
        if (depth > kMaxDepth)
            fail("an assignment target nests too deeply");
        switch (e.kind) {
        case Expr::Kind::Name:
        case Expr::Kind::Attribute:
        case Expr::Kind::Subscript:
            return;
        case Expr::Kind::Tuple:
        case Expr::Kind::List:
            for (const auto& item : e.items)
                checkTarget(*item, depth + 1);
            return;
        default:
            fail("cannot assign to this expression");
        }
    }

    void elseTail(Stmt& s)
    {
        // "elif" becomes an "if" alone in the else branch.
        while (accept(Token::Kind::Newline)) { }
        if (isName("elif")) {
            Stmt inner;
            inner.line = peek().line;
            ++pos_;
            inner.kind = Stmt::Kind::If;
            inner.value = expression();
            expectOp(":");
            inner.body = suite();
            DepthGuard guard(*this);
            elseTail(inner);
            s.orelse.push_back(std::move(inner));
        } else if (acceptName("else")) {
            expectOp(":");
            s.orelse = suite();
        }
    }

    // "a, b, c," and the like; several items or a trailing comma make a tuple.
    ExprPtr expressionList()
    {
        const int line = peek().line;
        auto first = expression();
        if (!isOp(","))
            return first;
        auto tuple = make(Expr::Kind::Tuple, line);
        tuple->items.push_back(std::move(first));
        while (acceptOp(",")) {
            if (endsList())
                break;
            if (tuple->items.size() >= kMaxItems)
                fail("a tuple of more than " + std::to_string(kMaxItems) + " items");
            tuple->items.push_back(expression());
        }
        return sealed(std::move(tuple));
    }

    ExprPtr targetList()
    {
        // Stops before "in", which expression() would read as an operator.
        const int line = peek().line;
        auto first = postfix();
        if (!isOp(","))
            return first;
        auto tuple = make(Expr::Kind::Tuple, line);
        tuple->items.push_back(std::move(first));
        while (acceptOp(",") && !isName("in"))
            tuple->items.push_back(postfix());
        return sealed(std::move(tuple));
    }

    bool endsList() const
    {
        return at(Token::Kind::Newline) || at(Token::Kind::End) || isOp("=") || isOp(")") || isOp("]") || isOp(":");
    }

    ExprPtr expression()
    {
        DepthGuard guard(*this);
        const int line = peek().line;
        auto value = orTest();
        if (isName("if")) {
            ++pos_;
            auto cond = orTest();
            if (!acceptName("else"))
                fail("expected 'else' in a conditional expression");
            auto other = expression();
            auto e = make(Expr::Kind::IfElse, line);
            e->items.push_back(std::move(cond));
            e->items.push_back(std::move(value));
            e->items.push_back(std::move(other));
            return sealed(std::move(e));
        }
        return value;
    }

    ExprPtr binary(std::string op, ExprPtr a, ExprPtr b)
    {
        auto e = make(Expr::Kind::Binary, a->line);
        e->text = std::move(op);
        e->items.push_back(std::move(a));
        e->items.push_back(std::move(b));
        return sealed(std::move(e));
    }

    ExprPtr orTest()
    {
        auto a = andTest();
        while (acceptName("or"))
            a = binary("or", std::move(a), andTest());
        return a;
    }

    ExprPtr andTest()
    {
        auto a = notTest();
        while (acceptName("and"))
            a = binary("and", std::move(a), notTest());
        return a;
    }

    ExprPtr notTest()
    {
        if (isName("not")) {
            DepthGuard guard(*this);
            auto e = make(Expr::Kind::Unary, peek().line);
            ++pos_;
            e->text = "not";
            e->items.push_back(notTest());
            return sealed(std::move(e));
        }
        return comparison();
    }

    ExprPtr comparison()
    {
        auto a = arithmetic();
        for (;;) {
            std::string op;
            if (peek().kind == Token::Kind::Op
                && (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == ">"
                    || peek().text == "<=" || peek().text == ">=")) {
                op = tokens_[pos_++].text;
            } else if (acceptName("is")) {
                op = acceptName("not") ? "is not" : "is";
            } else if (acceptName("in")) {
                op = "in";
            } else if (isName("not") && peek(1).kind == Token::Kind::Name && peek(1).text == "in") {
                pos_ += 2;
                op = "not in";
            } else {
                return a;
            }
            a = binary(op, std::move(a), arithmetic());
        }
    }

    ExprPtr arithmetic()
    {
        // |, ^, &, shifts, + and -: one level is enough for what torch writes,
        // which parenthesizes mixed operators.
        auto a = term();
        while (isOp("+") || isOp("-") || isOp("|") || isOp("&") || isOp("^") || isOp("<<") || isOp(">>")) {
            std::string op = tokens_[pos_++].text;
            a = binary(op, std::move(a), term());
        }
        return a;
    }

    ExprPtr term()
    {
        auto a = factor();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%") || isOp("@")) {
            std::string op = tokens_[pos_++].text;
            a = binary(op, std::move(a), factor());
        }
        return a;
    }

    ExprPtr factor()
    {
        if (isOp("-") || isOp("+") || isOp("~")) {
            DepthGuard guard(*this);
            auto e = make(Expr::Kind::Unary, peek().line);
            e->text = tokens_[pos_++].text;
            e->items.push_back(factor());
            // Fold "-1" into a literal: torch writes negative dims that way.
            if (e->text == "-" && e->items[0]->kind == Expr::Kind::Int
                && e->items[0]->integer != std::numeric_limits<std::int64_t>::min()) {
                e->items[0]->integer = -e->items[0]->integer;
                return std::move(e->items[0]);
            }
            if (e->text == "-" && e->items[0]->kind == Expr::Kind::Float) {
                e->items[0]->real = -e->items[0]->real;
                return std::move(e->items[0]);
            }
            return sealed(std::move(e));
        }
        auto a = postfix();
        if (acceptOp("**")) {
            DepthGuard guard(*this);
            a = binary("**", std::move(a), factor());
        }
        return a;
    }

    ExprPtr postfix()
    {
        auto e = atom();
        int chain = 0;
        for (;;) {
            if (++chain > 4 * kMaxDepth)
                fail("an expression chains too many calls or attributes");
            const int line = peek().line;
            if (acceptOp(".")) {
                auto a = make(Expr::Kind::Attribute, line);
                a->text = expectName();
                a->items.push_back(std::move(e));
                e = sealed(std::move(a));
            } else if (acceptOp("(")) {
                auto c = make(Expr::Kind::Call, line);
                c->items.push_back(std::move(e));
                while (!isOp(")")) {
                    if (c->items.size() + c->keywords.size() > kMaxItems)
                        fail("a call with more than " + std::to_string(kMaxItems) + " arguments");
                    if (at(Token::Kind::Name) && isOp("=", 1)) {
                        std::string name = tokens_[pos_].text;
                        pos_ += 2;
                        c->keywords.emplace_back(std::move(name), expression());
                    } else {
                        if (!c->keywords.empty())
                            fail("a positional argument follows a keyword argument");
                        if (isOp("*") || isOp("**"))
                            fail("argument unpacking is not supported");
                        c->items.push_back(expression());
                    }
                    if (!acceptOp(","))
                        break;
                }
                expectOp(")");
                e = sealed(std::move(c));
            } else if (acceptOp("[")) {
                auto s = make(Expr::Kind::Subscript, line);
                s->items.push_back(std::move(e));
                s->items.push_back(subscript());
                expectOp("]");
                e = sealed(std::move(s));
            } else {
                return e;
            }
        }
    }

    ExprPtr subscript()
    {
        const int line = peek().line;
        ExprPtr start;
        if (!isOp(":"))
            start = expressionList();
        if (!acceptOp(":"))
            return start;
        auto slice = make(Expr::Kind::Slice, line);
        slice->items.push_back(start ? std::move(start) : make(Expr::Kind::None, line));
        slice->items.push_back(isOp("]") || isOp(":") ? make(Expr::Kind::None, line) : expression());
        if (acceptOp(":") && !isOp("]"))
            slice->items.push_back(expression());
        return sealed(std::move(slice));
    }

    ExprPtr atom()
    {
        const Token& t = peek();
        const int line = t.line;
        switch (t.kind) {
        case Token::Kind::Name: {
            ++pos_;
            if (t.text == "None")
                return make(Expr::Kind::None, line);
            if (t.text == "True" || t.text == "False") {
                auto e = make(Expr::Kind::Bool, line);
                e->boolean = t.text == "True";
                return e;
            }
            static const char* const keywords[] = { "if", "else", "elif", "for", "while", "in", "is", "and", "or",
                "not", "def", "class", "return", "pass", "import", "from", "lambda", "with", "yield" };
            for (const char* k : keywords)
                if (t.text == k)
                    fail("unexpected '" + t.text + "'");
            auto e = make(Expr::Kind::Name, line);
            e->text = t.text;
            return e;
        }
        case Token::Kind::Int: {
            ++pos_;
            auto e = make(Expr::Kind::Int, line);
            e->integer = t.integer;
            return e;
        }
        case Token::Kind::Float: {
            ++pos_;
            auto e = make(Expr::Kind::Float, line);
            e->real = t.real;
            return e;
        }
        case Token::Kind::String: {
            auto e = make(Expr::Kind::String, line);
            while (at(Token::Kind::String)) { // adjacent literals concatenate
                e->text += tokens_[pos_++].text;
                if (e->text.size() > kMaxStringBytes)
                    fail("a string literal longer than " + std::to_string(kMaxStringBytes) + " bytes");
            }
            return e;
        }
        case Token::Kind::Op:
            if (t.text == "(" || t.text == "[") {
                const bool list = t.text == "[";
                ++pos_;
                auto e = make(list ? Expr::Kind::List : Expr::Kind::Tuple, line);
                const char* close = list ? "]" : ")";
                bool comma = false;
                while (!isOp(close)) {
                    if (e->items.size() >= kMaxItems)
                        fail(std::string("a ") + (list ? "list" : "tuple") + " literal of more than "
                            + std::to_string(kMaxItems) + " items");
                    e->items.push_back(expression());
                    comma = acceptOp(",");
                    if (!comma)
                        break;
                }
                expectOp(close);
                // "(x)" is x; "(x,)" and "()" are tuples.
                if (!list && e->items.size() == 1 && !comma)
                    return std::move(e->items[0]);
                return sealed(std::move(e));
            }
            if (t.text == "{")
                fail("dict and set literals are not supported");
            break;
        default:
            break;
        }
        fail("expected an expression, found " + describe(t));
    }

    std::vector<Token> tokens_;
    const std::string& file_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

} // namespace

const Class* File::findClass(std::string_view className) const
{
    for (const auto& c : classes)
        if (c.name == className)
            return &c;
    return nullptr;
}

const Function* File::findFunction(std::string_view functionName) const
{
    for (const auto& f : functions)
        if (f.name == functionName)
            return &f;
    return nullptr;
}

File parse(std::string_view text, const std::string& fileName)
{
    auto tokens = Lexer(text, fileName).run();
    return Parser(std::move(tokens), fileName).run();
}

} // namespace nodus::torchscript

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    // These name the QSettings store: window layout and recent files.
    QApplication::setOrganizationName(QStringLiteral("Nodus"));
    QApplication::setApplicationName(QStringLiteral("Nodus"));
    QApplication::setApplicationVersion(QStringLiteral(NODUS_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("nodus"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Inspect machine-learning model files."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("file"),
        QApplication::translate("main", "Model to open; the sample model when omitted."), QStringLiteral("[FILE]"));
    parser.process(app);

    nodus::MainWindow window;
    QApplication::setWindowIcon(window.windowIcon());
    window.show();

    const QStringList files = parser.positionalArguments();
    if (files.isEmpty())
        window.openSample();
    else
        window.openFile(files.first());
    return app.exec();
}

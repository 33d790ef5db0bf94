#include "mainwindow.h"
#include "singleinstance.h"
#include "windowmanager.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

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
    const QCommandLineOption newInstance(QStringLiteral("new-instance"),
        QApplication::translate("main", "Start a separate instance instead of handing the files to a running one."));
    parser.addOption(newInstance);
    parser.addPositionalArgument(QStringLiteral("files"),
        QApplication::translate("main", "Models to open, each in its own window; the sample model when omitted."),
        QStringLiteral("[FILE...]"));
    parser.process(app);

    QStringList files;
    for (const QString& f : parser.positionalArguments())
        files << QFileInfo(f).absoluteFilePath();

    // A file manager launches us once per double-click: hand the files to
    // the instance already running, when there is one.
    const QString name = nodus::SingleInstance::defaultName();
    const bool separate = parser.isSet(newInstance);
    if (!separate && nodus::SingleInstance::forward(name, files))
        return 0;

    nodus::WindowManager windows;
    nodus::SingleInstance instance;
    if (!separate) {
        QObject::connect(&instance, &nodus::SingleInstance::filesReceived, &windows, [&windows](const QStringList& f) {
            if (f.isEmpty())
                windows.raiseWindow();
            else
                windows.openFiles(f);
        });
        // Failing to listen only costs the forwarding: this instance still works.
        if (!instance.listen(name))
            qWarning("nodus: other launches will not reach this window: %s", qPrintable(instance.errorString()));
    }

    nodus::MainWindow* first = windows.createWindow();
    QApplication::setWindowIcon(first->windowIcon());
    if (files.isEmpty())
        first->openSample();
    else
        windows.openFiles(files, first);
    return app.exec();
}

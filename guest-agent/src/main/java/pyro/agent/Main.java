package pyro.agent;

public final class Main {
    public static void main(String[] args) {
        System.out.println("pyro guest agent placeholder");
    }
}
